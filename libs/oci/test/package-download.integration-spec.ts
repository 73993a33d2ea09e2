import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { downloadPackage, PackageDownloadError } from '../src/package-download';

const BYTES = Buffer.from('a small package');
const SHA256 = createHash('sha256').update(BYTES).digest('hex');
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = new URL(request.url!, 'http://localhost').pathname;
    if (path === '/package') return void response.end(BYTES);
    if (path === '/truncated') {
      // Announces more than it sends, then drops the connection.
      response.writeHead(200, { 'content-length': '1000' });
      response.write(BYTES, () => response.socket?.destroy());
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'stagecraft-download-test-'));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const signal = () => new AbortController().signal;
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

describe('downloadPackage', () => {
  it('streams the package to the file and checks its sha256', async () => {
    const file = join(dir, 'ok');
    expect(await downloadPackage(`${base}/package?sig=x`, file, SHA256, signal())).toBe(BYTES.length);
    expect(await readFile(file)).toEqual(BYTES);
  });

  it.each([
    ['a sha256 that differs', '/package', 'f'.repeat(64), 'PACKAGE_CORRUPTED', `the package's sha256 is ${SHA256}`],
    ['an error answer', '/missing', SHA256, 'PACKAGE_DOWNLOAD_FAILED', 'the package repository answered HTTP 404'],
    ['a body that breaks off', '/truncated', SHA256, 'PACKAGE_DOWNLOAD_FAILED', 'the package download broke off after'],
  ])('%s is a PackageDownloadError', async (_case, path, sha256, reason, message) => {
    const error = await failure(downloadPackage(`${base}${path}?sig=secret`, join(dir, 'x'), sha256, signal()));
    expect(error).toBeInstanceOf(PackageDownloadError);
    expect(error).toMatchObject({ reason });
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('secret');
  });

  it('an unreachable repository is a PackageDownloadError that names no address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(downloadPackage(`http://127.0.0.1:${port}/p?sig=secret`, join(dir, 'x'), SHA256, signal()));
    expect(error).toEqual(new PackageDownloadError('PACKAGE_DOWNLOAD_FAILED', 'the package repository could not be reached'));
  });

  it("a file that cannot be written is not the repository's fault: the write error goes through", async () => {
    const error = await failure(downloadPackage(`${base}/package`, join(dir, 'no-such-folder', 'x'), SHA256, signal()));
    expect(error).not.toBeInstanceOf(PackageDownloadError);
    expect(error).toMatchObject({ code: 'ENOENT' });
  });
});
