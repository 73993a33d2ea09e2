import { ErrorCode, ServiceError } from '@stagecraft/contracts';

import { encodeJson, unwrapReply } from './wire-format';

describe('wire format', () => {
  it('unwraps data', () => {
    expect(unwrapReply(encodeJson({ data: { id: 'a' } }))).toEqual({ id: 'a' });
    expect(unwrapReply(encodeJson({ data: null }))).toBeNull();
  });

  it('throws the ServiceError an error reply carries', () => {
    expect(() => unwrapReply(encodeJson({ error: { code: 'CONFLICT', message: 'taken', field: 'name' } }))).toThrow(
      expect.objectContaining({ code: ErrorCode.CONFLICT, message: 'taken', field: 'name' }),
    );
  });

  it.each([
    [encodeJson({ error: { code: 'TEAPOT', message: 'x' } })],
    [encodeJson({ what: 1 })],
    [new TextEncoder().encode('{oops')],
  ])('turns a malformed reply into INTERNAL', (bytes) => {
    let thrown: unknown;
    try {
      unwrapReply(bytes);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ServiceError);
    expect((thrown as ServiceError).code).toBe(ErrorCode.INTERNAL);
  });
});
