import { Injectable, Logger } from '@nestjs/common';
import { Client } from 'pg';

import { ClustersConfig } from '../../config';

/**
 * First key of the two-int4 advisory lock whose holder is the one replica watching a cluster's
 * nodes; the second key is `hashtext(cluster id)`. Session-level, so Postgres frees it when the
 * holder's session ends (a replica that dies or loses the database). Two ids that hash alike share
 * a lock: they then have the same owner, which is still one owner each.
 */
export const CLUSTER_WATCH_LOCK_NAMESPACE = 1_868_850_200;

/** How long a query on the lock session may take before the session counts as lost. */
const LOCK_QUERY_TIMEOUT_MS = 5000;

/**
 * The replica's own Postgres session for cluster watch locks. Not a pooled connection: a pool
 * hands its connections to other work, and with them the session locks they hold. When the
 * session fails, this replica owns nothing any more; listeners are told at once so that they stop
 * watching, and the next sweep or lock attempt opens a new session.
 */
@Injectable()
export class ClusterWatchLocks {
  private readonly logger = new Logger('ClusterWatchLocks');
  private session: Client | undefined;
  /** A session being opened: one at a time, or the first would be lost with the locks it takes. */
  private opening: Promise<boolean> | undefined;
  /** Cluster ids locked on the current session (each locked once: session locks nest). */
  private readonly held = new Set<string>();
  private readonly lostListeners: ((reason: string) => void)[] = [];
  private closed = false;

  constructor(private readonly config: ClustersConfig) {}

  holds(clusterId: string): boolean {
    return this.held.has(clusterId);
  }

  heldClusters(): string[] {
    return [...this.held];
  }

  /** Called when the session fails, after every lock is forgotten. */
  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  /** Opens the session when there is none, or proves the one there is; false when none can be had now. */
  async ensureSession(): Promise<boolean> {
    if (this.closed) return false;
    if (this.session) {
      try {
        await this.query('SELECT 1');
        return true;
      } catch {
        // lose() has reported it; try a new session at once.
      }
    }
    return this.open();
  }

  /** Takes the cluster's lock if no other session holds it, opening a session if needed; throws when none can be had. */
  async tryLock(clusterId: string): Promise<boolean> {
    if (this.held.has(clusterId)) return true;
    if (!this.session && !(await this.open())) throw new Error('no session for cluster watch locks');
    const session = this.session;
    const [{ locked }] = await this.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
      CLUSTER_WATCH_LOCK_NAMESPACE,
      clusterId,
    ]);
    // Taken on a session that has failed since: that lock is gone with it.
    if (!locked || session !== this.session) return false;
    this.held.add(clusterId);
    return true;
  }

  async unlock(clusterId: string): Promise<void> {
    if (!this.held.delete(clusterId)) return;
    await this.query('SELECT pg_advisory_unlock($1, hashtext($2))', [CLUSTER_WATCH_LOCK_NAMESPACE, clusterId]);
  }

  /** Ends the session, which frees every lock it holds. */
  async close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    this.held.clear();
    if (session) await endQuietly(session);
  }

  private open(): Promise<boolean> {
    this.opening ??= this.openSession().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async openSession(): Promise<boolean> {
    if (this.closed) return false;
    const session = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: 'stagecraft-clusters-watch-locks',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: LOCK_QUERY_TIMEOUT_MS,
      query_timeout: LOCK_QUERY_TIMEOUT_MS,
    });
    session.on('error', (error) => this.lose(session, error.message));
    session.on('end', () => this.lose(session, 'the session ended'));
    try {
      await session.connect();
    } catch (error) {
      session.removeAllListeners('end');
      await endQuietly(session);
      this.logger.warn(`no session for cluster watch locks: ${describe(error)}; retrying at the next sweep`);
      return false;
    }
    if (this.closed) {
      await endQuietly(session);
      return false;
    }
    this.session = session;
    return true;
  }

  private async query<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    const session = this.session;
    if (!session) throw new Error('no session for cluster watch locks');
    try {
      return (await session.query(sql, parameters)).rows as T[];
    } catch (error) {
      // A lock query fails only with its session (or a session too slow to trust): drop it.
      this.lose(session, describe(error));
      throw error;
    }
  }

  private lose(session: Client, reason: string): void {
    if (session !== this.session) return;
    this.session = undefined;
    const owned = this.held.size;
    this.held.clear();
    void endQuietly(session);
    this.logger.warn(`lost the session holding cluster watch locks (${reason}); ${owned} cluster(s) no longer owned`);
    for (const listener of this.lostListeners) listener(reason);
  }
}

/** Ends a session without waiting long for one that is already broken. */
async function endQuietly(session: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    session.end().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1000);
    }),
  ]);
  clearTimeout(timer);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
