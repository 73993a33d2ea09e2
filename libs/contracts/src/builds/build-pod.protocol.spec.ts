import {
  formatTerminationMessage,
  parsePhaseMarker,
  parseTerminationMessage,
  phaseMarker,
  TERMINATION_MESSAGE_MAX_BYTES,
} from './build-pod.protocol';

describe('the build pod protocol', () => {
  it('reads back every phase marker it writes, and nothing that only looks like one', () => {
    for (const phase of ['INIT', 'DOWNLOAD', 'PREPROCESS', 'BUILD', 'PUSH', 'POSTPROCESS'] as const)
      expect(parsePhaseMarker(phaseMarker(phase))).toBe(phase);
    // A tenant's build output may print anything: an unknown phase is a plain line.
    for (const line of ['::stagecraft phase=OWNED', '::stagecraft phase=', ' ::stagecraft phase=BUILD', 'BUILD'])
      expect(parsePhaseMarker(line)).toBeNull();
  });

  it('reads the assembler’s termination message with its types, and nothing else', () => {
    expect(parseTerminationMessage('{"status":"SUCCEEDED","digest":"sha256:ab","image":"r/x@sha256:ab"}')).toEqual({
      status: 'SUCCEEDED',
      digest: 'sha256:ab',
      image: 'r/x@sha256:ab',
    });
    expect(
      parseTerminationMessage('{"status":"FAILED","reason":"BASE_IMAGE_NOT_FOUND","message":"gone","phase":"BUILD"}'),
    ).toEqual({
      status: 'FAILED',
      reason: 'BASE_IMAGE_NOT_FOUND',
      message: 'gone',
      phase: 'BUILD',
    });
    // No phase, or one that is not a phase: null, for the reader to fill in.
    expect(parseTerminationMessage('{"status":"ERROR","reason":"TERMINATED","phase":"NOPE"}')).toEqual({
      status: 'ERROR',
      reason: 'TERMINATED',
      message: 'TERMINATED',
      phase: null,
    });
    // A reason outside the catalog (libs/contracts build-reasons) is not the assembler's.
    for (const text of [
      undefined,
      '',
      'npm ERR! 404',
      '[]',
      '{"status":"FAILED"}',
      '{"status":"ERROR","reason":"X"}',
      '{"containerimage.digest":"sha256:ab"}',
    ])
      expect(parseTerminationMessage(text)).toBeNull();
  });
});

describe('formatTerminationMessage', () => {
  it('writes one JSON line as it is when it fits', () => {
    const message = {
      status: 'FAILED' as const,
      reason: 'REGISTRY_DENIED' as const,
      message: 'no push rights',
      phase: 'PUSH' as const,
    };
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
