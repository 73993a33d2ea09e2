import { ErrorCode, ListPackageJobsRequest, ServiceError } from '@stagecraft/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, ValidateNested } from 'class-validator';

import { parsePayload } from './payload-text';
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

  describe('payloads it found valid before', () => {
    class Page {
      @IsOptional() @IsInt() first?: number | null;
      @IsOptional() @ValidateNested() @Type(() => Statement) statement?: Statement;
    }
    const bytes = (text: string) => new TextEncoder().encode(text);
    const asPage = { type: 'body', metatype: Page } as const;

    it('are not validated again, and still become a new instance of the class', async () => {
      const pipe = rpcValidationPipe();
      // ValidationPipe's own call of class-validator (a protected method).
      const validate = jest.spyOn(pipe as unknown as { validate(...args: unknown[]): unknown }, 'validate');
      const text = '{"first":20,"statement":{"effect":"ALLOW"}}';
      const first = await pipe.transform(parsePayload(bytes(text)), asPage);
      const again = await pipe.transform(parsePayload(bytes(text)), asPage);
      expect(validate).toHaveBeenCalledTimes(1);
      expect(again).toBeInstanceOf(Page);
      expect((again as Page).statement).toBeInstanceOf(Statement);
      expect(again).toEqual(first);
      expect(again).not.toBe(first);
    });

    it('are told apart by their exact text: 1e400 (Infinity) is refused after null was accepted', async () => {
      const pipe = rpcValidationPipe();
      await expect(pipe.transform(parsePayload(bytes('{"first":null}')), asPage)).resolves.toBeInstanceOf(Page);
      // Both would be written back as {"first":null}: the text they came in is what counts.
      await expect(pipe.transform(parsePayload(bytes('{"first":1e400}')), asPage)).rejects.toMatchObject({ field: 'first' });
    });

    it('are remembered only when valid: a refused payload is refused every time', async () => {
      const pipe = rpcValidationPipe();
      for (let i = 0; i < 2; i += 1) {
        await expect(pipe.transform(parsePayload(bytes('{"first":"20"}')), asPage)).rejects.toMatchObject({
          code: ErrorCode.BAD_USER_INPUT,
          field: 'first',
        });
      }
    });

    it('lose their prototype keys every time', async () => {
      const pipe = rpcValidationPipe();
      const text = '{"first":1,"__proto__":{"polluted":true}}';
      for (let i = 0; i < 2; i += 1) {
        const value = await pipe.transform(parsePayload(bytes(text)), asPage);
        expect(Object.getPrototypeOf(value)).toBe(Page.prototype);
        expect(Object.keys(value as object)).toEqual(['first']);
      }
    });

    it('are still checked for control characters', async () => {
      const pipe = rpcValidationPipe();
      const text = '{"statement":{"effect":"ALLOW\\u0000"}}';
      for (let i = 0; i < 2; i += 1) {
        await expect(pipe.transform(parsePayload(bytes(text)), asPage)).rejects.toMatchObject({ field: 'statement.effect' });
      }
    });
  });

  it('refuses a job key jobs.list does not know (its `fields`)', async () => {
    const pipe = rpcValidationPipe();
    const list = { type: 'body', metatype: ListPackageJobsRequest } as const;
    await expect(pipe.transform({ first: 20, fields: ['id', 'createdAt'] }, list)).resolves.toBeInstanceOf(
      ListPackageJobsRequest,
    );
    await expect(pipe.transform({ first: 20, fields: ['id', 'password'] }, list)).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      field: 'fields',
    });
  });
});
