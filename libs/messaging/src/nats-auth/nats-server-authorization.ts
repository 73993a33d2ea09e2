import { PROCESS_IDENTITIES, type ProcessIdentity } from '@stagecraft/contracts';
import { nkeys } from 'nats';

import { type NatsPermissions, natsPermissionsFor, type PermissionScope } from './nats-permissions';

/** A NATS user: an NKey and what it may do. */
export interface NatsUser {
  /** A name for the reader of the configuration (the process it belongs to). */
  identity: string;
  /** The user's public NKey (`U…`); its seed stays with the process. */
  publicKey: string;
  /** Absent: every right (an operator's key, for stream administration; no process runs with it). */
  permissions?: NatsPermissions;
}

export interface NatsIdentityKeys {
  /** `SU…`: the private seed, kept 0600 by whoever runs the process. */
  seed: string;
  /** `U…`: what the server configuration names. */
  publicKey: string;
}

/** A fresh user NKey pair. */
export function generateNatsIdentity(): NatsIdentityKeys {
  const pair = nkeys.createUser();
  return { seed: new TextDecoder().decode(pair.getSeed()), publicKey: pair.getPublicKey() };
}

/** The public key of a seed. */
export function publicKeyOfSeed(seed: string): string {
  return nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey();
}

/** Every Stagecraft process as a NATS user: its public key and its generated permissions. */
export function processNatsUsers(publicKeys: Record<ProcessIdentity, string>, scope: PermissionScope): NatsUser[] {
  return PROCESS_IDENTITIES.map((identity) => ({
    identity,
    publicKey: publicKeys[identity],
    permissions: natsPermissionsFor(identity, scope),
  }));
}

/**
 * How long the server waits for a client's CONNECT after accepting it. nats-server's default is
 * 2 s, and nats.js does not give up when the server drops it for that: the dial waits out its
 * whole own timeout and fails with TIMEOUT. A process whose event loop is busy for 2 s while it
 * connects (the suite's in-process platform on 2 loaded cores; a CPU-throttled pod) was refused
 * that way. An unauthenticated socket still holds nothing but a file descriptor for these seconds.
 */
export const NATS_AUTH_TIMEOUT_SECONDS = 10;

/**
 * The `authorization` block of a nats-server configuration for these users. With it the
 * server refuses anonymous clients (there is no `no_auth_user`), and every user is held to its
 * permissions. NATS' configuration format reads JSON, so the block is JSON after the key.
 */
export function natsAuthorizationBlock(users: NatsUser[]): string {
  const lines = users.map(
    ({ identity, publicKey, permissions }) => `    ${JSON.stringify({ nkey: publicKey, permissions })} # ${identity}`,
  );
  return `authorization {\n  timeout: ${NATS_AUTH_TIMEOUT_SECONDS}\n  users = [\n${lines.join('\n')}\n  ]\n}\n`;
}
