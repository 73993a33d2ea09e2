import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { loadConfig } from '@stagecraft/config';
import { IamConfig, startIam } from '@stagecraft/service-iam';
import { JobsConfig, startJobs } from '@stagecraft/service-jobs';
import {
  createTestDatabase,
  ensureTestNatsServer,
  generateSigningKeyPem,
  testNatsSettings,
  testSubjectPrefix,
} from '@stagecraft/testing';

import { freePort } from '../../deploy/local/src/free-port';
import { GatewayConfig } from '../../gateway/src/config';
import { startGateway } from '../../gateway/src/start-gateway';

export interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string }[];
}

export interface IamPlatform {
  /** The gateway's GraphQL endpoint. */
  graphqlUrl: string;
  databaseUrl: string;
  admin: { accessKey: string; secretKey: string };
  iam: INestMicroservice;
  /** In this process, unless started with `{ gatewayProcess: true }`. */
  gateway?: INestApplication;
  /** The gateway's process, when started with `{ gatewayProcess: true }`. */
  gatewayPid?: number;
  /** Started with `{ jobs: true }`. */
  jobs?: INestMicroservice;
  gql<T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLAnswer<T>>;
  close(): Promise<void>;
}

/**
 * iam and the gateway (and with `jobs`, the jobs service) in this process, on a fresh database
 * and a subject prefix of their own: the approach of gateway/test/platform-harness.ts, limited to
 * what a benchmark's query touches, so no other service runs beside the measurement.
 */
export async function startIamPlatform(options: { jobs?: boolean; gatewayProcess?: boolean } = {}): Promise<IamPlatform> {
  await ensureTestNatsServer();
  const database = await createTestDatabase('bench');
  const prefix = testSubjectPrefix();
  const folder = mkdtempSync(join(tmpdir(), 'stagecraft-bench-'));
  const credentialsFile = join(folder, 'admin.json');
  let iam: INestMicroservice | undefined;
  let gateway: INestApplication | undefined;
  let gatewayProcess: { url: string; pid: number; stop(): Promise<void> } | undefined;
  let jobs: INestMicroservice | undefined;
  const close = async () => {
    await gateway?.close();
    await gatewayProcess?.stop();
    await jobs?.close();
    await iam?.close();
    await database.drop();
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    iam = await startIam(
      loadConfig(IamConfig, {
        DATABASE_URL: database.url,
        ...testNatsSettings('iam', prefix),
        IAM_SIGNING_KEY: generateSigningKeyPem(),
        IAM_BOOTSTRAP_CREDENTIALS_FILE: credentialsFile,
      }),
      ['error', 'warn'],
    );
    if (options.jobs) {
      jobs = await startJobs(loadConfig(JobsConfig, { DATABASE_URL: database.url, ...testNatsSettings('jobs', prefix) }), [
        'error',
        'warn',
      ]);
    }
    const gatewayEnv = { ...testNatsSettings('gateway', prefix), HOST: '127.0.0.1', NODE_ENV: 'test' as const };
    // A gateway process of its own runs as deployed when the bench runs so (support/production-mode.ts).
    if (options.gatewayProcess)
      gatewayProcess = await spawnGateway({
        ...gatewayEnv,
        NODE_ENV: process.env.NODE_ENV === 'production' ? 'production' : 'test',
      });
    else gateway = await startGateway(loadConfig(GatewayConfig, { ...gatewayEnv, PORT: '0' }), ['error']);
  } catch (error) {
    await close();
    throw error;
  }
  const graphqlUrl = gatewayProcess ? gatewayProcess.url : `${(await gateway!.getUrl()).replace('[::1]', '127.0.0.1')}/graphql`;
  return {
    graphqlUrl,
    databaseUrl: database.url,
    admin: JSON.parse(readFileSync(credentialsFile, 'utf8')),
    iam,
    gateway,
    gatewayPid: gatewayProcess?.pid,
    jobs,
    async gql(query, variables, token) {
      const response = await fetch(graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLAnswer<never>;
    },
    close,
  };
}

/**
 * The gateway as `npm start` runs it: `node dist/gateway/src/main.js` in a process of its own
 * (compiled: run `npm run build` first), so its work is not on the bench's thread.
 */
async function spawnGateway(env: Record<string, string>): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const main = join(__dirname, '..', '..', 'dist', 'gateway', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the gateway exited during start (${child.exitCode})`);
    const answered = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    }).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return { url, pid: child.pid!, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error('the gateway did not answer within 60 s');
}
