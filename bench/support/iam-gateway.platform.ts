import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  gateway: INestApplication;
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
export async function startIamPlatform(options: { jobs?: boolean } = {}): Promise<IamPlatform> {
  await ensureTestNatsServer();
  const database = await createTestDatabase('bench');
  const prefix = testSubjectPrefix();
  const folder = mkdtempSync(join(tmpdir(), 'stagecraft-bench-'));
  const credentialsFile = join(folder, 'admin.json');
  let iam: INestMicroservice | undefined;
  let gateway: INestApplication | undefined;
  let jobs: INestMicroservice | undefined;
  const close = async () => {
    await gateway?.close();
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
    gateway = await startGateway(
      loadConfig(GatewayConfig, {
        ...testNatsSettings('gateway', prefix),
        HOST: '127.0.0.1',
        PORT: '0',
        NODE_ENV: 'test',
      }),
      ['error'],
    );
  } catch (error) {
    await close();
    throw error;
  }
  const graphqlUrl = `${(await gateway.getUrl()).replace('[::1]', '127.0.0.1')}/graphql`;
  return {
    graphqlUrl,
    databaseUrl: database.url,
    admin: JSON.parse(readFileSync(credentialsFile, 'utf8')),
    iam,
    gateway,
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
