#!/usr/bin/env node
// Compiles the whole workspace into dist/ and makes `@stagecraft/<lib>` resolvable there:
// dist/node_modules/@stagecraft/<lib> points at the compiled lib, so `node dist/.../main.js`
// runs without path-alias tooling.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
} catch {
  process.exit(1);
}

const scope = join(root, 'dist', 'node_modules', '@stagecraft');
mkdirSync(scope, { recursive: true });
for (const lib of readdirSync(join(root, 'libs'))) {
  const link = join(scope, lib);
  rmSync(link, { recursive: true, force: true });
  symlinkSync(relative(scope, join(root, 'dist', 'libs', lib, 'src')), link, 'dir');
}
writeFileSync(join(root, 'dist', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
