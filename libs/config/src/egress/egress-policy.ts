// One egress policy for every outbound connection the platform makes on a user's behalf or to an
// address a user chose: Kubernetes API servers, OBS/S3 endpoints, OCI registries, package URLs.
//
// A host name is resolved once, every address it resolves to is checked, and the socket connects
// to a checked address (the resolver is handed to the socket as its `lookup`), so a DNS answer
// cannot change between the check and the connection. An IP literal (where Node skips `lookup`)
// is checked before the socket is created.
import { lookup as dnsLookup } from 'node:dns/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';

import type * as Undici from 'undici';

import { bareAddress, blockListOf, type Cidr, deniedRangeOf, inCidrs, parseCidrList } from './ip-ranges';

/**
 * undici, loaded when a process first makes an outbound HTTP request through a policy: every
 * process loads this module, most never use a dispatcher, and undici costs several MiB to hold.
 */
function undici(): typeof Undici {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (above)
  return require('undici') as typeof Undici;
}

/** A connection the policy refused; `code` is what socket errors carry, for classifiers. */
export class EgressDeniedError extends Error {
  override readonly name = 'EgressDeniedError';
  readonly code = 'EGRESS_DENIED';

  constructor(
    readonly host: string,
    /** For logs and administrators only: which address, and why. */
    readonly detail: string,
  ) {
    super(`the egress policy does not allow connecting to ${host}`);
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (dns.lookup, as sockets do). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface EgressPolicyOptions {
  /** Ranges allowed even though they are loopback, private, link-local… (`EGRESS_ALLOWED_CIDRS`). */
  allowedCidrs?: readonly Cidr[] | string;
  /** Whether a kubeconfig's `proxy-url` may be used (`EGRESS_ALLOW_PROXY`). */
  allowProxy?: boolean;
  /** Replaces the system resolver (tests). */
  resolve?: Resolver;
}

export type EgressVerdict = { allowed: true } | { allowed: false; why: string };

const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

export class EgressPolicy {
  readonly allowProxy: boolean;
  /** The allowed ranges as given, for messages and logs. */
  readonly allowedCidrs: readonly Cidr[];
  private readonly allowed: BlockList;
  private readonly resolver: Resolver;
  private undici?: Undici.Agent;

  constructor(options: EgressPolicyOptions = {}) {
    this.allowedCidrs =
      typeof options.allowedCidrs === 'string' ? parseCidrList(options.allowedCidrs) : [...(options.allowedCidrs ?? [])];
    this.allowed = blockListOf(this.allowedCidrs);
    this.allowProxy = options.allowProxy ?? false;
    this.resolver = options.resolve ?? systemResolver;
  }

  /** The policy a service's config describes (`EGRESS_ALLOWED_CIDRS`, `EGRESS_ALLOW_PROXY`). */
  static fromConfig(config: { EGRESS_ALLOWED_CIDRS?: string; EGRESS_ALLOW_PROXY?: boolean }): EgressPolicy {
    return new EgressPolicy({ allowedCidrs: config.EGRESS_ALLOWED_CIDRS ?? '', allowProxy: config.EGRESS_ALLOW_PROXY ?? false });
  }

  /** Whether a connection to this IP address is allowed. */
  check(address: string): EgressVerdict {
    const bare = bareAddress(address);
    if (isIP(bare) === 0) return { allowed: false, why: `${address} is not an IP address` };
    if (inCidrs(bare, this.allowed)) return { allowed: true };
    const range = deniedRangeOf(bare);
    return range === undefined ? { allowed: true } : { allowed: false, why: `${bare} is ${range}` };
  }

  /**
   * Resolves `host` once and answers the addresses a connection may use: an IP literal is checked
   * as it is; a name's addresses that the policy refuses are dropped, and when none is left the
   * connection is refused with an EgressDeniedError.
   */
  async resolve(host: string): Promise<ResolvedAddress[]> {
    const bare = bareAddress(host);
    const version = isIP(bare);
    if (version !== 0) {
      const verdict = this.check(bare);
      if (!verdict.allowed) throw new EgressDeniedError(host, verdict.why);
      return [{ address: bare, family: version === 6 ? 6 : 4 }];
    }
    const addresses = await this.resolver(bare);
    const verdicts = addresses.map((a) => ({ ...a, verdict: this.check(a.address) }));
    const allowed = verdicts.filter((a) => a.verdict.allowed).map(({ address, family }) => ({ address, family }));
    if (allowed.length === 0) {
      const why = verdicts.map((a) => (a.verdict.allowed ? a.address : a.verdict.why)).join('; ');
      throw new EgressDeniedError(host, `${bare} resolves to ${why || 'no address'}`);
    }
    return allowed;
  }

  /** A `lookup` for net/tls sockets that answers only checked addresses (resolution happens once, here). */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        if (usable.length === 0) {
          const error = new EgressDeniedError(hostname, `${hostname} has no allowed IPv${family} address`);
          return (callback as (err: Error) => void)(error);
        }
        if (options.all) return (callback as (err: null, all: ResolvedAddress[]) => void)(null, usable);
        callback(null, usable[0].address, usable[0].family);
      },
      (error: Error) => (callback as (err: Error) => void)(error),
    );
  };

  /** Refuses an IP literal the policy denies before any socket exists (Node skips `lookup` for those). */
  private guardLiteral(host: unknown): EgressDeniedError | undefined {
    if (typeof host !== 'string') return undefined;
    const bare = bareAddress(host);
    if (isIP(bare) === 0) return undefined;
    const verdict = this.check(bare);
    return verdict.allowed ? undefined : new EgressDeniedError(host, verdict.why);
  }

  /** An http.Agent whose sockets pass the policy. */
  httpAgent(options: http.AgentOptions = {}): http.Agent {
    return this.guard(new http.Agent({ ...options, lookup: this.lookup } as http.AgentOptions));
  }

  /** An https.Agent whose sockets pass the policy (TLS still verifies the name the URL gave). */
  httpsAgent(options: https.AgentOptions = {}): https.Agent {
    return this.guard(new https.Agent({ ...options, lookup: this.lookup } as https.AgentOptions));
  }

  private guard<A extends http.Agent>(agent: A): A {
    const original = (agent as unknown as { createConnection: (o: unknown, cb?: ConnectCallback) => Duplex | undefined })
      .createConnection;
    const guardLiteral = (host: unknown) => this.guardLiteral(host);
    Object.defineProperty(agent, 'createConnection', {
      value(this: A, options: { host?: string; hostname?: string; socketPath?: string }, callback?: ConnectCallback) {
        const refused = options.socketPath
          ? new EgressDeniedError(options.socketPath, 'a Unix socket is never an egress destination')
          : guardLiteral(options.host ?? options.hostname);
        if (refused) {
          if (!callback) throw refused;
          process.nextTick(() => callback(refused, undefined as unknown as Duplex));
          return undefined;
        }
        return original.call(this, options, callback);
      },
    });
    return agent;
  }

  /** An undici dispatcher whose connections pass the policy (one per policy, pooled). */
  dispatcher(): Undici.Agent {
    this.undici ??= this.dispatcherWith();
    return this.undici;
  }

  /**
   * A dispatcher of its own whose connections pass the policy, with these connect options (a
   * client's TLS settings: ca, cert, key, servername, rejectUnauthorized…). It belongs to the
   * caller, who closes it; `lookup` stays the policy's.
   */
  dispatcherWith(connectOptions: Undici.buildConnector.BuildOptions = {}): Undici.Agent {
    const { Agent, buildConnector } = undici();
    const base = buildConnector({ ...connectOptions, lookup: this.lookup } as Undici.buildConnector.BuildOptions);
    const connect: Undici.buildConnector.connector = (options, callback) => {
      const refused = this.guardLiteral(options.hostname);
      if (refused) return process.nextTick(() => callback(refused, null));
      base(options, callback);
    };
    return new Agent({ connect });
  }

  /** `fetch` whose connections pass the policy (redirects included: they use the same dispatcher). */
  readonly fetch: typeof fetch = (input, init) =>
    undici().fetch(input as Parameters<typeof Undici.fetch>[0], {
      ...(init as Parameters<typeof Undici.fetch>[1]),
      dispatcher: this.dispatcher(),
    }) as unknown as Promise<Response>;

  async close(): Promise<void> {
    await this.undici?.close();
    this.undici = undefined;
  }
}

/** True for an error (or its cause) raised by the egress policy. */
export function isEgressDenied(error: unknown): error is EgressDeniedError {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EgressDeniedError || (e as { code?: unknown }).code === 'EGRESS_DENIED') return true;
  }
  return false;
}
