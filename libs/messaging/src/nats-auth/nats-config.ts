import { readFileSync } from 'node:fs';

import type { ProcessIdentity } from '@stagecraft/contracts';
import { IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { type Authenticator, type ConnectionOptions, credsAuthenticator, nkeyAuthenticator } from 'nats';

/**
 * The NATS settings every Stagecraft process reads; each app's config class extends this one.
 * A process always connects as its own NATS user: an NKey seed (the embedded default and the
 * tests generate one per process) or a `.creds` file (NATS accounts with JWTs, in production).
 */
export class NatsConfig {
  @IsString() NATS_URL = 'nats://127.0.0.1:4222';
  @IsString() @Matches(/^([a-z0-9_-]+\.)*$/i, { message: 'must be empty or end with a dot' }) NATS_SUBJECT_PREFIX = '';
  /** This process's NKey seed (`SU…`). Prefer the file form outside tests. */
  @IsOptional() @IsString() @Matches(/^SU[A-Z2-7]{56}$/, { message: 'must be a user NKey seed (SU…)' }) NATS_NKEY_SEED?: string;
  /** A file holding this process's NKey seed (mode 0600). */
  @IsOptional() @IsString() @MinLength(1) NATS_NKEY_SEED_FILE?: string;
  /** A NATS `.creds` file (user JWT + seed), for servers run in operator/JWT mode. */
  @IsOptional() @IsString() @MinLength(1) NATS_CREDS_FILE?: string;
}

/** Replies to a process's requests arrive under this prefix, which only that identity may subscribe to. */
export function inboxPrefixOf(identity: ProcessIdentity | string): string {
  return `_INBOX_${identity}`;
}

/**
 * Connection options of one process: its credentials, its own inbox prefix (so nobody else can
 * read the replies it gets) and the name the server shows. Fails, naming the variables, when no
 * credentials are set: Stagecraft never connects anonymously.
 */
export function natsConnectionOptionsFor(identity: ProcessIdentity | string, settings: NatsConfig): ConnectionOptions {
  return {
    servers: settings.NATS_URL,
    name: identity,
    inboxPrefix: inboxPrefixOf(identity),
    authenticator: authenticatorOf(settings),
  };
}

function authenticatorOf(settings: NatsConfig): Authenticator {
  if (settings.NATS_CREDS_FILE) return credsAuthenticator(readFileSync(settings.NATS_CREDS_FILE));
  const seed = settings.NATS_NKEY_SEED ?? (settings.NATS_NKEY_SEED_FILE ? readSeedFile(settings.NATS_NKEY_SEED_FILE) : undefined);
  if (!seed) {
    throw new Error('NATS credentials are missing: set NATS_NKEY_SEED_FILE (or NATS_NKEY_SEED, or NATS_CREDS_FILE)');
  }
  return nkeyAuthenticator(new TextEncoder().encode(seed));
}

function readSeedFile(path: string): string {
  const seed = readFileSync(path, 'utf8').trim();
  if (!/^SU[A-Z2-7]{56}$/.test(seed)) throw new Error(`NATS_NKEY_SEED_FILE ${path} does not hold a user NKey seed`);
  return seed;
}
