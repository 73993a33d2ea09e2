import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return listenOnce(0, host);
}

/**
 * The port remembered in `file` when it is still free, else a new free one (remembered): what a
 * client was told last time (image names, presigned URLs) keeps working across restarts.
 */
export async function rememberedPort(file: string, host = '127.0.0.1'): Promise<number> {
  const previous = existsSync(file) ? Number(readFileSync(file, 'utf8')) : NaN;
  const port =
    Number.isInteger(previous) && previous > 0
      ? await listenOnce(previous, host).catch(() => freePort(host))
      : await freePort(host);
  writeFileSync(file, String(port));
  return port;
}

function listenOnce(wanted: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(wanted, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Waits until `check` resolves true, polling; throws `message` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(message);
}
