import { createHmac } from 'node:crypto';

import { generateWebhookSecret, isWebhookSignatureValid, webhookSignature } from './webhook-signature';

describe('webhook signatures', () => {
  const body = '{"specversion":"1.0","id":"e1"}';

  it('is sha256=<hex HMAC of "<timestamp>.<body>">, as a receiver computes it', () => {
    const secret = generateWebhookSecret();
    const expected = createHmac('sha256', secret).update(`1764940000.${body}`).digest('hex');
    expect(webhookSignature(secret, 1764940000, body)).toBe(`sha256=${expected}`);
  });

  it('accepts only the same secret, timestamp and body', () => {
    const secret = generateWebhookSecret();
    const signature = webhookSignature(secret, 1764940000, body);
    expect(isWebhookSignatureValid(secret, 1764940000, body, signature)).toBe(true);
    expect(isWebhookSignatureValid(generateWebhookSecret(), 1764940000, body, signature)).toBe(false);
    expect(isWebhookSignatureValid(secret, 1764940001, body, signature)).toBe(false);
    expect(isWebhookSignatureValid(secret, 1764940000, `${body} `, signature)).toBe(false);
    expect(isWebhookSignatureValid(secret, 1764940000, body, 'sha256=00')).toBe(false);
  });

  it('generates a different, recognisable secret each time', () => {
    const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
    expect(a).toMatch(/^whsec_[\w-]{43}$/);
    expect(a).not.toBe(b);
  });
});
