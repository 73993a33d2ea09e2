import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { RegistryClient } from '../src/registry.client';
import {
  ensureRegistryTokenFiles,
  loadRegistryTokenKey,
  platformTokenSource,
  type RegistryTokenKey,
  signRegistryToken,
} from '../src/registry-token';
import { startTestRegistry, type TestRegistry } from '../src/testing';
import { pushTinyImage } from '../src/testing/tiny-image';

const SERVICE = 'stagecraft-registry';
const ISSUER = 'stagecraft-iam';

/**
 * docker-registry with token auth trusts what signRegistryToken makes (ES256, the certificate in
 * `x5c`), and only for what the token's access claims name, while it is valid.
 */
describe('registry tokens against a real docker-registry (token auth)', () => {
  let dir: string;
  let registry: TestRegistry;
  let key: RegistryTokenKey;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stagecraft-registry-token-'));
    const files = ensureRegistryTokenFiles(dir);
    key = loadRegistryTokenKey(await readFile(files.keyFile, 'utf8'), await readFile(files.certificateFile, 'utf8'));
    registry = await startTestRegistry({
      // Nothing listens there: a client that follows the challenge fails, one with its own token does not.
      tokenAuth: {
        realm: 'http://127.0.0.1:9/registry/token',
        service: SERVICE,
        issuer: ISSUER,
        certificateFile: files.certificateFile,
      },
    });
    const platform = new RegistryClient({
      registry: registry.host,
      tokenSource: platformTokenSource(key, { issuer: ISSUER, service: SERVICE, subject: 'platform' }),
    });
    await pushTinyImage(platform, 'team/app', { family: 'oci', text: 'hello', tag: '1' });
  }, 30_000);

  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const manifest = (token: string | null, repository = 'team/app') =>
    fetch(`http://${registry.host}/v2/${repository}/manifests/1`, {
      headers: {
        accept: 'application/vnd.oci.image.manifest.v1+json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
  const token = (
    access: { name: string; actions: string[] }[],
    overrides: { issuer?: string; service?: string; ttlSeconds?: number; now?: Date } = {},
  ) =>
    signRegistryToken(key, {
      issuer: ISSUER,
      service: SERVICE,
      subject: 'test',
      ttlSeconds: 60,
      ...overrides,
      access: access.map((a) => ({ type: 'repository', ...a })),
    });

  it('challenges a request without a token, naming the realm, the service and the scope', async () => {
    const response = await manifest(null);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="http://127.0.0.1:9/registry/token",service="${SERVICE}",scope="repository:team/app:pull"`,
    );
  });

  it('serves a pull to a token that grants it', async () => {
    expect((await manifest(await token([{ name: 'team/app', actions: ['pull'] }]))).status).toBe(200);
  });

  it('refuses a token for another repository, another service, another issuer, or one that expired', async () => {
    expect((await manifest(await token([{ name: 'team/other', actions: ['pull', 'push'] }]))).status).toBe(401);
    expect((await manifest(await token([{ name: 'team/app', actions: ['pull'] }], { service: 'elsewhere' }))).status).toBe(401);
    expect((await manifest(await token([{ name: 'team/app', actions: ['pull'] }], { issuer: 'someone' }))).status).toBe(401);
    // Expired two minutes ago: past the registry's minute of leeway.
    const expired = await token([{ name: 'team/app', actions: ['pull'] }], {
      now: new Date(Date.now() - 180_000),
      ttlSeconds: 60,
    });
    expect((await manifest(expired)).status).toBe(401);
  });

  it('refuses a token signed by a key whose certificate it does not hold', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'stagecraft-registry-token-other-'));
    try {
      const files = ensureRegistryTokenFiles(otherDir);
      const other = loadRegistryTokenKey(await readFile(files.keyFile, 'utf8'), await readFile(files.certificateFile, 'utf8'));
      const forged = await signRegistryToken(other, {
        issuer: ISSUER,
        service: SERVICE,
        subject: 'forger',
        ttlSeconds: 60,
        access: [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }],
      });
      expect((await manifest(forged)).status).toBe(401);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('a pull-only token cannot push', async () => {
    const pullOnly = await token([{ name: 'team/app', actions: ['pull'] }]);
    const response = await fetch(`http://${registry.host}/v2/team/app/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pullOnly}` },
    });
    expect(response.status).toBe(401);
  });
});
