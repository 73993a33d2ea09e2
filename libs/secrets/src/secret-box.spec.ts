import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(SecretBox.generateKey());
  const kubeconfig = 'users:\n- name: admin\n  user:\n    token: s3cr3t-token\n';

  it('round-trips, and never stores the plaintext', () => {
    const sealed = box.seal(kubeconfig, 'cluster-1');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('s3cr3t');
    expect(Buffer.from(sealed.split('.')[3], 'base64url').toString()).not.toContain('s3cr3t');
    expect(box.open(sealed, 'cluster-1')).toBe(kubeconfig);
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('x', 'c')).not.toBe(box.seal('x', 'c'));
  });

  it('refuses another context, another key and tampering', () => {
    const sealed = box.seal(kubeconfig, 'cluster-1');
    expect(() => box.open(sealed, 'cluster-2')).toThrow('the secret does not open with this key and context');
    expect(() => new SecretBox(SecretBox.generateKey()).open(sealed, 'cluster-1')).toThrow('does not open');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    expect(() => box.open([parts[0], parts[1], parts[2], flipped.toString('base64url')].join('.'), 'cluster-1')).toThrow(
      'does not open',
    );
    expect(() => box.open('garbage', 'cluster-1')).toThrow('not a sealed secret');
  });

  it('refuses a key of the wrong size without echoing it', () => {
    expect(() => new SecretBox(Buffer.from('short-key').toString('base64'))).toThrow(
      'the secrets key must be 32 bytes, base64-encoded',
    );
  });
});
