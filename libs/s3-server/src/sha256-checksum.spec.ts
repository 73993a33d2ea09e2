import { createHash } from 'node:crypto';

import { decodeSha256Checksum } from './sha256-checksum';

describe('decodeSha256Checksum', () => {
  const digest = createHash('sha256').update('package').digest();

  it('decodes the base64 of a 32-byte digest', () => {
    expect(decodeSha256Checksum(digest.toString('base64'))).toEqual(digest);
  });

  it.each([
    ['hex instead of base64', digest.toString('hex')],
    ['base64url instead of base64', Buffer.alloc(32, 0xff).toString('base64url')],
    ['31 bytes', digest.subarray(1).toString('base64')],
    ['33 bytes', Buffer.concat([digest, Buffer.from([0])]).toString('base64')],
    ['padding left off', digest.toString('base64').replace(/=$/, '')],
    ['a stray character inside', digest.toString('base64').replace(/^(.{10})/, '$1!')],
    ['surrounding whitespace', ` ${digest.toString('base64')}`],
    ['nothing', ''],
  ])('refuses %s', (_case, value) => {
    expect(decodeSha256Checksum(value)).toBeUndefined();
  });
});
