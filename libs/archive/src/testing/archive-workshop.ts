import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Real archives for reader tests, made by real writers into one temp folder:
 * the JDK's `jar` (Java's ZipOutputStream: deflated entries with data descriptors), `npm pack`,
 * GNU `tar`, Info-ZIP `zip` writing to a pipe (when installed), and Python's zipfile (to a file:
 * sizes in the local headers; to a pipe: data descriptors, optionally zip64) and tarfile.
 */

export type Files = Record<string, string | Buffer>;

export interface ZipSpec {
  kind: 'zip';
  /** false: written to a pipe, so every entry gets a data descriptor. */
  seekable: boolean;
  method: 'stored' | 'deflated';
  zip64?: boolean;
  files: Files;
}
export interface TarSpec {
  kind: 'tar';
  gzip: boolean;
  files: Files;
}

const PYTHON_WRITER = String.raw`
import base64, io, json, sys, tarfile, zipfile

class Pipe(io.RawIOBase):
    def __init__(self, f): self.f = f
    def writable(self): return True
    def seekable(self): return False
    def write(self, b): return self.f.write(b)

for job in json.load(sys.stdin):
    files = [(name, base64.b64decode(data)) for name, data in job['files']]
    if job['kind'] == 'zip':
        method = zipfile.ZIP_STORED if job['method'] == 'stored' else zipfile.ZIP_DEFLATED
        with open(job['path'], 'wb') as raw:
            target = raw if job['seekable'] else Pipe(raw)
            with zipfile.ZipFile(target, 'w', compression=method) as z:
                for name, data in files:
                    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
                    info.compress_type = method
                    with z.open(info, 'w', force_zip64=bool(job.get('zip64'))) as w:
                        w.write(data)
    else:
        with tarfile.open(job['path'], 'w:gz' if job['gzip'] else 'w', format=tarfile.PAX_FORMAT) as t:
            for name, data in files:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = 1704067200
                t.addfile(info, io.BytesIO(data))
`;

export function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class ArchiveWorkshop {
  readonly root = mkdtempSync(join(tmpdir(), 'stagecraft-archive-workshop-'));
  private readonly pythonJobs: Array<{ path: string } & (ZipSpec | TarSpec)> = [];
  private counter = 0;

  path(name: string): string {
    return join(this.root, name);
  }

  /** Writes files into a fresh folder and returns it. */
  tree(files: Files): string {
    const dir = this.path(`tree-${this.counter++}`);
    for (const [name, content] of Object.entries(files)) {
      const file = join(dir, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Queued; `flushPython()` writes all of them with one python3 process. Builders run concurrently. */
  python(name: string, spec: ZipSpec | TarSpec): string {
    const path = this.path(name);
    this.pythonJobs.push({ path, ...spec });
    return path;
  }

  flushPython(): Promise<void> {
    const jobs = this.pythonJobs.splice(0).map((job) => ({
      ...job,
      files: Object.entries(job.files).map(([name, data]) => [name, Buffer.from(data).toString('base64')]),
    }));
    return new Promise<void>((resolve, reject) => {
      const child = execFile('python3', ['-c', PYTHON_WRITER], (err) => (err ? reject(err) : resolve()));
      child.stdin?.end(JSON.stringify(jobs));
    });
  }

  async jar(name: string, files: Files, mainClass?: string): Promise<string> {
    const path = this.path(name);
    const args = ['--create', '--file', path, ...(mainClass ? ['--main-class', mainClass] : []), '-C', this.tree(files), '.'];
    await run('jar', args);
    return path;
  }

  async npmPack(files: Files): Promise<string> {
    const dir = this.tree(files);
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', this.root], {
      cwd: dir,
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' },
    });
    return this.path(stdout.trim().split('\n').pop() ?? '');
  }

  /** GNU tar of a folder's contents: entries are named ./package.json and so on. */
  async gnuTarGz(name: string, files: Files): Promise<string> {
    const path = this.path(name);
    await run('tar', ['-czf', path, '-C', this.tree(files), '.']);
    return path;
  }

  /** Info-ZIP writing to a pipe, which makes it use data descriptors. */
  async zipToPipe(name: string, files: Files): Promise<string> {
    const path = this.path(name);
    await run('sh', ['-c', `zip -q -r - . | cat > '${path}'`], { cwd: this.tree(files) });
    return path;
  }

  bytes(name: string, content: Buffer | string): string {
    const path = this.path(name);
    writeFileSync(path, content);
    return path;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
