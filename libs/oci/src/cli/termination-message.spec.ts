import { formatTerminationMessage, TERMINATION_MESSAGE_MAX_BYTES } from './termination-message';

describe('formatTerminationMessage', () => {
  it('writes one JSON line as it is when it fits', () => {
    const message = { status: 'FAILED' as const, reason: 'REGISTRY_DENIED', message: 'no push rights', phase: 'PUSH' as const };
    expect(formatTerminationMessage(message)).toBe(JSON.stringify(message));
    expect(formatTerminationMessage({ status: 'SUCCEEDED' })).toBe('{"status":"SUCCEEDED"}');
  });

  it.each([
    ['plain text', 'x'.repeat(10_000)],
    ['multi-byte text', 'é→😀'.repeat(2_000)],
    ['text JSON escapes', '"\n\\\u0001'.repeat(3_000)],
  ])('cuts a long message (%s) to stay under the limit, ending it in …', (_kind, text) => {
    const line = formatTerminationMessage({ status: 'ERROR', reason: 'REGISTRY_ERROR', message: text, phase: 'BUILD' });
    expect(Buffer.byteLength(line)).toBeLessThan(TERMINATION_MESSAGE_MAX_BYTES);
    expect(Buffer.byteLength(line)).toBeGreaterThan(TERMINATION_MESSAGE_MAX_BYTES - 100);
    expect(line).not.toContain('\n');
    const parsed = JSON.parse(line) as { message: string; reason: string; phase: string };
    expect(parsed).toMatchObject({ reason: 'REGISTRY_ERROR', phase: 'BUILD' });
    expect(parsed.message.endsWith('…')).toBe(true);
    expect(text.startsWith(parsed.message.slice(0, -1))).toBe(true);
  });
});
