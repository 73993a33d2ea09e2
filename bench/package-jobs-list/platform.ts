import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { loadConfig } from '@stagecraft/config';
import { IamConfig, startIam } from '@stagecraft/service-iam';
import { JobsConfig, startJobs } from '@stagecraft/service-jobs';
import { createTestDatabase, generateSigningKeyPem, TEST_NATS_URL, testSubjectPrefix } from '@stagecraft/testing';

import { GatewayConfig } from '../../gateway/src/config';
import { startGateway } from '../../gateway/src/start-gateway';
import type { GraphQLAnswer } from '../support/iam-gateway.platform';

export interface JobsPlatform {
  graphqlUrl: string;
  databaseUrl: string;
  admin: { accessKey: string; secretKey: string };
  iam: INestMicroservice;
  jobs: INestMicroservice;
  gateway: INestApplication;
  gql<T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLAnswer<T>>;
  close(): Promise<void>;
}

/** iam + jobs + gateway in this process on a fresh database and subject prefix (as the me-query bench). */
export async function startJobsPlatform(): Promise<JobsPlatform> {
  const database = await createTestDatabase('benchjobs');
  const prefix = testSubjectPrefix();
  const folder = mkdtempSync(join(tmpdir(), 'stagecraft-bench-jobs-'));
  const credentialsFile = join(folder, 'admin.json');
  let iam: INestMicroservice | undefined;
  let jobs: INestMicroservice | undefined;
  let gateway: INestApplication | undefined;
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
        NATS_URL: TEST_NATS_URL,
        NATS_SUBJECT_PREFIX: prefix,
        IAM_SIGNING_KEY: generateSigningKeyPem(),
        IAM_BOOTSTRAP_CREDENTIALS_FILE: credentialsFile,
      }),
      ['error', 'warn'],
    );
    jobs = await startJobs(
      loadConfig(JobsConfig, { DATABASE_URL: database.url, NATS_URL: TEST_NATS_URL, NATS_SUBJECT_PREFIX: prefix }),
      ['error', 'warn'],
    );
    gateway = await startGateway(
      loadConfig(GatewayConfig, {
        NATS_URL: TEST_NATS_URL,
        NATS_SUBJECT_PREFIX: prefix,
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
    jobs,
    gateway,
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
