import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseTerminationMessage } from './build-pod.protocol';
import { BUILD_REASONS, isBuildReason } from './build-reasons';

/** code → [state, meaning], from the table under `### Build reasons` in docs/package-jobs.md. */
function documented(): Map<string, [string, string]> {
  const page = readFileSync(join(__dirname, '../../../../docs/package-jobs.md'), 'utf8');
  const section = page.split(/^### /m).find((part) => part.startsWith('Build reasons\n'));
  if (!section) throw new Error('docs/package-jobs.md has no section "Build reasons"');
  const rows = [...section.matchAll(/^\| `(\w+)`\s*\| (\w+)\s*\| (.*?)\s*\|$/gm)];
  return new Map(rows.map(([, code, status, meaning]) => [code, [status, meaning]]));
}

describe('build reasons', () => {
  it('docs/package-jobs.md lists every reason with its state and meaning, and no other', () => {
    const expected = new Map(Object.entries(BUILD_REASONS).map(([code, { status, meaning }]) => [code, [status, meaning]]));
    expect(documented()).toEqual(expected);
  });

  it('knows its own codes only', () => {
    expect(isBuildReason('OUT_OF_MEMORY')).toBe(true);
    expect(isBuildReason('toString')).toBe(false);
    expect(isBuildReason('SOMETHING_ELSE')).toBe(false);
  });

  it('takes a termination message with a reason it does not know, or of another end than its status, as no message (the reader falls back)', () => {
    expect(parseTerminationMessage('{"status":"FAILED","reason":"MADE_UP","message":"x"}')).toBeNull();
    // A reason of another end than the status claims: OUT_OF_MEMORY ends FAILED, never ERROR.
    expect(parseTerminationMessage('{"status":"ERROR","reason":"OUT_OF_MEMORY","message":"x"}')).toBeNull();
    expect(parseTerminationMessage('{"status":"FAILED","reason":"OUT_OF_MEMORY","message":"x","phase":"BUILD"}')).toEqual({
      status: 'FAILED',
      reason: 'OUT_OF_MEMORY',
      message: 'x',
      phase: 'BUILD',
    });
  });
});
