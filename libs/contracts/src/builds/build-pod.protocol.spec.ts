import { parsePhaseMarker, parseTerminationMessage, phaseMarker } from './build-pod.protocol';

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
    expect(parseTerminationMessage('{"status":"ERROR","reason":"X","phase":"NOPE"}')).toEqual({
      status: 'ERROR',
      reason: 'X',
      message: 'X',
      phase: null,
    });
    for (const text of [undefined, '', 'npm ERR! 404', '[]', '{"status":"FAILED"}', '{"containerimage.digest":"sha256:ab"}'])
      expect(parseTerminationMessage(text)).toBeNull();
  });
});
