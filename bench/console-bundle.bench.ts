/**
 * The web console's download (issue 15): what a browser fetches before the first page shows —
 * the scripts and stylesheets index.html names — raw and gzipped (level 9, as a server or proxy
 * would send it). The goal is at most 250 KB of gzipped JavaScript.
 *
 *   npm run bench:console
 *
 * Builds the console first (`npm run build`, which rebuilds it only when a source changed).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { describeEnvironment, markdownTable, passFail, round, writeResults } from './support/bench-report';

const ROOT = join(__dirname, '..');
const TARGET = { initialJavaScriptGzipKB: 250 };

function main(): void {
  execFileSync(process.execPath, [join(ROOT, 'deploy', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  const dist = join(ROOT, 'dist', 'console');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((match) => match[1]!);
  const rows = initial.map((path) => {
    const bytes = readFileSync(join(dist, path));
    return {
      file: path,
      kind: path.endsWith('.js') ? 'JavaScript' : 'CSS',
      bytes: bytes.length,
      gzipBytes: gzipSync(bytes, { level: 9 }).length,
    };
  });
  const javaScriptGzipKB = rows.filter((row) => row.kind === 'JavaScript').reduce((sum, row) => sum + row.gzipBytes, 0) / 1000;
  const ok = javaScriptGzipKB <= TARGET.initialJavaScriptGzipKB;
  console.log(`\n${describeEnvironment()}\n`);
  console.log(
    markdownTable(
      ['file', 'kind', 'bytes', 'gzip -9 bytes'],
      rows.map((row) => [row.file, row.kind, row.bytes, row.gzipBytes]),
    ),
  );
  console.log(
    `\ninitial JavaScript ${round(javaScriptGzipKB, 1)} KB gzipped, goal ≤ ${TARGET.initialJavaScriptGzipKB} KB: ${passFail(ok)}`,
  );
  const file = writeResults('console-bundle', rows, { javaScriptGzipKB: round(javaScriptGzipKB, 1), target: TARGET, ok });
  console.log(`results: ${file}`);
  if (!ok) process.exitCode = 1;
}

main();
