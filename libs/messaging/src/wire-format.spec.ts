import { ErrorCode, ServiceError } from '@stagecraft/contracts';

import { decodeJson, encodeJson, unwrapReply, utf8Text } from './wire-format';

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

  it('encodes as TextEncoder does, lone surrogates included', () => {
    for (const value of [{ name: 'jöb ✓ 😀' }, 'x\ud800y', ['\udc00'], null, undefined]) {
      expect(Buffer.from(encodeJson(value))).toEqual(Buffer.from(new TextEncoder().encode(JSON.stringify(value ?? null))));
    }
  });

  it('reads text as TextDecoder does: malformed sequences replaced, a leading byte order mark skipped', () => {
    const samples = [
      [0xef, 0xbb, 0xbf, 0x7b, 0x7d],
      [0xff, 0x41, 0xe2, 0x82],
      [0xed, 0xa0, 0x80, 0x41],
      [0xf0, 0x9f, 0x98, 0x80, 0xc0, 0xaf],
      [0x41, 0xef, 0xbb, 0xbf],
      [0xef, 0xbb],
    ];
    for (const sample of samples) {
      // A view into a larger buffer, as nats.js hands over a message's payload.
      const bytes = new Uint8Array([0x20, ...sample, 0x20]).subarray(1, 1 + sample.length);
      expect(utf8Text(bytes)).toBe(new TextDecoder().decode(bytes));
    }
    expect(decodeJson(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toEqual({});
  });
});
