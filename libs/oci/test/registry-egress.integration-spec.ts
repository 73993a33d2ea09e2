// Registries a user names (base images, archive targets) are reached only where the platform's
// egress policy allows (docs/security.md#egress).
import * as net from 'node:net';

import { EgressPolicy, type Resolver } from '@stagecraft/config';

import { RegistryClient } from '../src/registry.client';
import { RegistryError } from '../src/registry.error';
import { startTestRegistry, type TestRegistry } from '../src/testing/registry-process';

let registry: TestRegistry;

beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(() => registry?.stop());

type LookupCallback = (err: Error | null, address?: unknown, family?: number) => void;
type Lookup = (host: string, options: object, callback: LookupCallback) => void;

const isLoopback = (address: string) => /^(127\.|::1$|::ffff:127\.)/.test(address);

/**
 * Records every address a TCP socket of this process would connect to (an IP literal, or what the
 * socket's lookup answered for a name) and refuses any off loopback: the test never sends a packet
 * elsewhere, even if the policy under test were broken.
 */
function guardConnections(): { attempts: string[]; restore: () => void } {
  const attempts: string[] = [];
  const original = net.Socket.prototype.connect;
  const spy = jest.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    // net.connect hands over its normalized arguments as one array.
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = (typeof first === 'object' && first !== null ? first : {}) as { host?: string; lookup?: Lookup };
    const host = options.host ?? 'localhost';
    if (net.isIP(host)) {
      attempts.push(host);
      if (!isLoopback(host)) throw new Error(`test guard: no connection to ${host}`);
    } else {
      const lookup = options.lookup;
      options.lookup = (name, lookupOptions, callback) => {
        const answer: LookupCallback = (err, address, family) => {
          if (err) return callback(err);
          const all = (Array.isArray(address) ? address : [{ address }]) as { address: string }[];
          attempts.push(...all.map((a) => a.address));
          if (all.some((a) => !isLoopback(a.address))) return callback(new Error(`test guard: no connection to ${name}`));
          callback(null, address, family);
        };
        if (lookup) lookup(name, lookupOptions, answer);
        else answer(new Error('test guard: a socket without the policy lookup'));
      };
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  });
  return { attempts, restore: () => spy.mockRestore() };
}

describe('RegistryClient through the egress policy', () => {
  it('reaches a registry on an allowed address (the test registry on 127.0.0.1)', async () => {
    const policy = new EgressPolicy({ allowedCidrs: '127.0.0.1/32' });
    const client = new RegistryClient({ registry: registry.host, fetch: policy.fetch });
    const error = await client.getManifest('nothing/here', 'latest').catch((e: unknown) => e);
    // The registry answered (MANIFEST_UNKNOWN or NAME_UNKNOWN), so the connection was made.
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(404);
    await policy.close();
  });

  it('refuses the same registry when loopback is not allowed', async () => {
    const policy = new EgressPolicy();
    const client = new RegistryClient({ registry: registry.host, fetch: policy.fetch });
    const error = (await client.getManifest('nothing/here', 'latest').catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toContain('is not allowed by the egress policy');
    await policy.close();
  });

  it.each([
    ['a private address', '10.20.30.40:5000'],
    ['a name that resolves to a private address', 'registry.corp.invalid:5000'],
    ['the metadata address', '169.254.169.254'],
    ['a unique-local IPv6 address', '[fd00::5]:5000'],
  ])('refuses a registry at %s before any connection', async (_what, host) => {
    const resolve: Resolver = async () => [{ address: '10.20.30.40', family: 4 }];
    const policy = new EgressPolicy({ resolve });
    const guard = guardConnections();
    try {
      const client = new RegistryClient({ registry: host, insecure: true, fetch: policy.fetch });
      const error = (await client.getManifest('app', '1.0').catch((e: unknown) => e)) as RegistryError;
      expect(error).toBeInstanceOf(RegistryError);
      expect(error.code).toBe('UNREACHABLE');
      expect(error.message).toContain('is not allowed by the egress policy');
      expect(guard.attempts).toEqual([]);
    } finally {
      guard.restore();
      await policy.close();
    }
  });
});
