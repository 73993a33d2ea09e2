import { DOCKER_HUB, DOCKER_HUB_API_HOST } from './image-reference';
import type { RegistryCredentials } from './registry.auth';

/** A Docker `config.json` that cannot be used. The message names the entry at fault, never its content. */
export class RegistryAuthFileError extends Error {
  override readonly name = 'RegistryAuthFileError';
}

/** The hosts Docker itself writes for Docker Hub; references name it `docker.io`. */
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, DOCKER_HUB_API_HOST, 'index.docker.io']);

/**
 * Credentials per registry host from a Docker `config.json`: `{"auths": {"host:port": {"auth":
 * base64("user:password")}}}`, or `username` and `password` instead of `auth`. Keys may be URLs
 * (`https://index.docker.io/v1/`); credential helpers and identity tokens are not supported.
 */
export function parseRegistryAuthFile(text: string): Record<string, RegistryCredentials> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text it failed on, and this text holds passwords.
    throw new RegistryAuthFileError('the registry auth file is not JSON');
  }
  if (!isObject(parsed)) throw new RegistryAuthFileError('the registry auth file is not a JSON object');
  const auths = parsed['auths'] ?? {};
  if (!isObject(auths)) throw new RegistryAuthFileError('"auths" in the registry auth file is not an object');
  const credentials: Record<string, RegistryCredentials> = {};
  for (const [key, entry] of Object.entries(auths)) {
    const host = registryHost(key);
    if (!host) throw new RegistryAuthFileError(`auths[${JSON.stringify(key)}] does not name a registry host`);
    credentials[host] = entryCredentials(key, entry);
  }
  return credentials;
}

/** The inverse: a Docker `config.json` (`{"auths": {host: {"auth": base64("user:password")}}}`) for these hosts. */
export function formatRegistryAuthFile(credentials: Record<string, RegistryCredentials>): string {
  const auths = Object.fromEntries(
    Object.entries(credentials).map(([host, { username, password }]) => [
      host,
      { auth: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') },
    ]),
  );
  return JSON.stringify({ auths });
}

function entryCredentials(key: string, entry: unknown): RegistryCredentials {
  const where = `auths[${JSON.stringify(key)}]`;
  if (!isObject(entry)) throw new RegistryAuthFileError(`${where} is not an object`);
  const { auth, username, password } = entry;
  if (typeof auth === 'string' && auth !== '') {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new RegistryAuthFileError(`${where}.auth is not base64 of "username:password"`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof username === 'string' && username !== '' && typeof password === 'string') return { username, password };
  throw new RegistryAuthFileError(`${where} has neither "auth" nor "username" and "password"`);
}

/** `host[:port]` from a key that may be a URL; Docker Hub's aliases become `docker.io`. */
function registryHost(key: string): string | null {
  const host = key
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/')[0];
  if (!host) return null;
  return DOCKER_HUB_ALIASES.has(host.toLowerCase()) ? DOCKER_HUB : host;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
