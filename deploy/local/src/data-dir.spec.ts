import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensurePrivateDataDir } from './data-dir';

describe('ensurePrivateDataDir (the data folder is the platform user’s alone)', () => {
  let parent: string;
  beforeEach(() => (parent = mkdtempSync(join(tmpdir(), 'stagecraft-data-dir-'))));
  afterEach(() => rmSync(parent, { recursive: true, force: true }));
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('creates it 0700, with the folders that are made later already 0700', () => {
    const previous = process.umask(0o022);
    try {
      ensurePrivateDataDir(join(parent, 'data'));
    } finally {
      process.umask(previous);
    }
    expect(mode(join(parent, 'data'))).toBe(0o700);
    for (const name of ['keys', 'logs', 'nats', 'registry', 's3']) expect(mode(join(parent, 'data', name))).toBe(0o700);
  });

  it('closes an existing, open data folder: folders 0700, files without group or other rights, postgres left alone', () => {
    const data = join(parent, 'data');
    mkdirSync(join(data, 's3', 'packages'), { recursive: true, mode: 0o755 });
    mkdirSync(join(data, 'postgres'), { mode: 0o750 });
    writeFileSync(join(data, 'admin-credentials.json'), '{}', { mode: 0o644 });
    for (const path of [data, join(data, 's3')]) chmodSync(path, 0o755);
    ensurePrivateDataDir(data);
    expect(mode(data)).toBe(0o700);
    expect(mode(join(data, 's3'))).toBe(0o700);
    expect(mode(join(data, 'admin-credentials.json'))).toBe(0o600);
    expect(mode(join(data, 'postgres'))).toBe(0o750);
  });
});
