import { ErrorCode, ServiceError } from '@stagecraft/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsString, ValidateNested } from 'class-validator';

import { rpcValidationPipe } from './rpc-validation.pipe';

class Statement {
  @IsIn(['ALLOW', 'DENY']) effect!: string;
}

class Request {
  @IsString() name!: string;
  @ValidateNested({ each: true }) @Type(() => Statement) statements!: Statement[];
}

async function problem(value: unknown): Promise<ServiceError | null> {
  try {
    await rpcValidationPipe().transform(value, { type: 'body', metatype: Request });
    return null;
  } catch (error) {
    return error as ServiceError;
  }
}

describe('rpcValidationPipe', () => {
  it('accepts a valid payload and returns a class instance', async () => {
    const value = await rpcValidationPipe().transform(
      { name: 'x', statements: [{ effect: 'ALLOW' }] },
      { type: 'body', metatype: Request },
    );
    expect(value).toBeInstanceOf(Request);
  });

  it.each([
    [{ name: 1, statements: [] }, 'name', 'name: must be a string'],
    [
      { name: 'x', statements: [{ effect: 'ALLOW' }, { effect: 'MAYBE' }] },
      'statements[1].effect',
      'statements[1].effect: must be one of the following values: ALLOW, DENY',
    ],
    [{ name: 'x', statements: [], extra: true }, 'extra', 'extra: property extra should not exist'],
  ])('names the field of the first problem in %j', async (value, field, message) => {
    const error = await problem(value);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, field, message });
  });
});
