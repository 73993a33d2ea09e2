import { SecretMask } from './secret-mask';

describe('SecretMask', () => {
  it('masks a presigned URL query, whole or any of its values, raw or decoded', () => {
    const mask = new SecretMask();
    mask.addUrl('https://obs.example.com/b/pkg.jar?X-Amz-Credential=AKIA%2F20260101&X-Amz-Signature=0123456789abcdef');
    expect(mask.apply('GET /b/pkg.jar?X-Amz-Credential=AKIA%2F20260101&X-Amz-Signature=0123456789abcdef failed')).toBe(
      'GET /b/pkg.jar?*** failed',
    );
    expect(mask.apply('signature 0123456789abcdef, credential AKIA/20260101')).toBe('signature ***, credential ***');
  });

  it('masks passwords and their Basic tokens, but not values too short to matter', () => {
    const mask = new SecretMask();
    mask.addCredentials({ username: 'builder', password: 'hunter22' });
    mask.addCredentials({ username: 'x', password: 'ab' });
    mask.addUrl('https://obs.example.com/pkg.jar');
    const basic = Buffer.from('builder:hunter22').toString('base64');
    expect(mask.apply(`pw hunter22, Basic ${basic}, about ab`)).toBe('pw ***, Basic ***, about ab');
  });
});
