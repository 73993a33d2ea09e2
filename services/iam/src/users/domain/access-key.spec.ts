import { generateAccessKey, hashSecret, verifySecret } from './access-key';

describe('access keys', () => {
  it('generates distinct keys of a fixed shape', () => {
    const a = generateAccessKey();
    const b = generateAccessKey();
    expect(a.accessKey).toMatch(/^SCAK[A-Z2-7]{18}$/);
    expect(a.secretKey).toHaveLength(40);
    expect(a.accessKey).not.toBe(b.accessKey);
    expect(a.secretKey).not.toBe(b.secretKey);
  });

  it('stores a salted hash that verifies only the right secret', async () => {
    const { secretKey } = generateAccessKey();
    const stored = await hashSecret(secretKey);
    expect(stored).not.toContain(secretKey);
    expect(await hashSecret(secretKey)).not.toBe(stored);
    await expect(verifySecret(secretKey, stored)).resolves.toBe(true);
    await expect(verifySecret(secretKey + 'x', stored)).resolves.toBe(false);
    await expect(verifySecret(secretKey, 'plain')).resolves.toBe(false);
  });
});
