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

  it.each([
    [{ name: 'a\u0000b', statements: [] }, 'name', 'name: must not contain a NUL byte (U+0000), found at position 1'],
    [{ name: 'line\none', statements: [] }, 'name', 'name: must not contain a control character (U+000A), found at position 4'],
    [
      { name: 'x', statements: [{ effect: 'ALLOW\u001b[2J' }] },
      'statements[0].effect',
      'statements[0].effect: must not contain a control character (U+001B), found at position 5',
    ],
    [
      { name: 'x', statements: [], dockerfile: 'FROM a\u0000' },
      'dockerfile',
      'dockerfile: must not contain a NUL byte (U+0000), found at position 6',
    ],
    [
      { name: 'x', statements: [], description: 'two\nlines' },
      'description',
      'description: must not contain a control character (U+000A), found at position 3',
    ],
  ])('refuses control characters, naming the field, in %j', async (value, field, message) => {
    const error = await problem(value);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, field, message });
  });

  it('allows tabs and line breaks in multi-line fields only (dockerfile, kubeconfig)', async () => {
    class Build {
      @IsString() dockerfile!: string;
      @IsString() kubeconfig!: string;
    }
    const value = await rpcValidationPipe().transform(
      { dockerfile: 'FROM node:20\r\n\tRUN true\n', kubeconfig: 'apiVersion: v1\nkind: Config\n' },
      { type: 'body', metatype: Build },
    );
    expect(value).toBeInstanceOf(Build);
    await expect(
      rpcValidationPipe().transform({ dockerfile: 'FROM a\u0007', kubeconfig: '' }, { type: 'body', metatype: Build }),
    ).rejects.toMatchObject({ field: 'dockerfile', message: expect.stringContaining('U+0007') });
  });

  it('leaves custom parameters (the caller) alone', async () => {
    const caller = { name: 'a\u0000' };
    await expect(rpcValidationPipe().transform(caller, { type: 'custom' })).resolves.toBe(caller);
  });
});
