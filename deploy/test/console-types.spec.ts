import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe("the console's typed operations", () => {
  it('come from the checked-in gateway/schema.graphql (run `npm run schema` after changing a resolver)', () => {
    const folder = mkdtempSync(join(tmpdir(), 'stagecraft-console-types-'));
    try {
      const output = join(folder, 'graphql-env.d.ts');
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'gql.tada', 'bin', 'cli.js'),
          'generate',
          'output',
          '--tsconfig',
          join(ROOT, 'console', 'tsconfig.json'),
          '--output',
          output,
        ],
        { cwd: ROOT, stdio: 'pipe' },
      );
      expect(readFileSync(join(ROOT, 'console', 'src', 'graphql-env.d.ts'), 'utf8')).toBe(readFileSync(output, 'utf8'));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
