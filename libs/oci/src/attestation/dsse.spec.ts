import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from './dsse';
import { loadSigningKey, SigningKeyError } from './signing-key';

/** DSSE v1 PAE written again from the spec (not imported), so the test checks the signer, not itself. */
function pae(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
}

const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('DSSE envelopes signed with the attestation key', () => {
  const key = loadSigningKey(pem);
  const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', predicateType: 'x', subject: [] }));
  const envelope = signEnvelope(payload, IN_TOTO_PAYLOAD_TYPE, key.privateKey);

  it('verifies with node:crypto against the published PEM public key, over the PAE of the payload', () => {
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(Buffer.from(envelope.payload, 'base64')).toEqual(payload);
    const sig = Buffer.from(envelope.signatures[0].sig, 'base64');
    const publicKey = createPublicKey(key.publicKeyPem);
    expect(verify('sha256', pae(envelope.payloadType, payload), publicKey, sig)).toBe(true);
    // Not over the bare payload, and not for another payload type.
    expect(verify('sha256', payload, publicKey, sig)).toBe(false);
    expect(verify('sha256', pae('text/plain', payload), publicKey, sig)).toBe(false);
  });

  it('verifies with openssl (ECDSA DER signature over SHA-256, as cosign --key expects)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dsse-spec-'));
    try {
      await writeFile(join(dir, 'key.pub'), key.publicKeyPem);
      await writeFile(join(dir, 'pae'), pae(envelope.payloadType, payload));
      await writeFile(join(dir, 'sig'), Buffer.from(envelope.signatures[0].sig, 'base64'));
      const out = execFileSync('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        join(dir, 'key.pub'),
        '-signature',
        join(dir, 'sig'),
        join(dir, 'pae'),
      ]);
      expect(out.toString()).toContain('Verified OK');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses keys that are not EC P-256, without echoing them', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => loadSigningKey(rsa)).toThrow(SigningKeyError);
    expect(() => loadSigningKey(p384)).toThrow('must be an EC P-256');
    try {
      loadSigningKey('-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----');
      throw new Error('accepted');
    } catch (error) {
      expect((error as Error).message).toBe('the attestation signing key is not a readable PEM private key');
    }
  });
});
