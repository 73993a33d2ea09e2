import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { loadConfig } from '@stagecraft/config';
import { IamConfig, startIam } from '@stagecraft/service-iam';
import { createTestDatabase, generateSigningKeyPem, TEST_NATS_URL, testSubjectPrefix } from '@stagecraft/testing';

import { GatewayConfig } from '../src/config';
import { startGateway } from '../src/start-gateway';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; field?: string } & Record<string, unknown> }[];
}

export interface Platform {
  url: string;
  subjectPrefix: string;
  /** The iam signing key, so tests can forge tokens (expired ones, say). */
  signingKeyPem: string;
  admin: { userId: string; accessKey: string; secretKey: string };
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  iam: INestMicroservice;
  gateway: INestApplication;
  close(): Promise<void>;
}

/** Every service and the gateway in this process, on a fresh database and a subject prefix of their own. */
export async function startPlatform(gatewayEnv: Record<string, string> = {}): Promise<Platform> {
  const database = await createTestDatabase('e2e');
  const prefix = testSubjectPrefix();
  const folder = mkdtempSync(join(tmpdir(), 'stagecraft-e2e-'));
  const credentialsFile = join(folder, 'admin.json');
  const signingKeyPem = generateSigningKeyPem();
  const iam = await startIam(
    loadConfig(IamConfig, {
      DATABASE_URL: database.url,
      NATS_URL: TEST_NATS_URL,
      NATS_SUBJECT_PREFIX: prefix,
      IAM_SIGNING_KEY: signingKeyPem,
      IAM_BOOTSTRAP_CREDENTIALS_FILE: credentialsFile,
    }),
    ['error', 'warn'],
  );
  const gateway = await startGateway(
    loadConfig(GatewayConfig, { NATS_URL: TEST_NATS_URL, NATS_SUBJECT_PREFIX: prefix, HOST: '127.0.0.1', PORT: '0', NODE_ENV: 'test', ...gatewayEnv }),
    ['error'],
  );
  const url = (await gateway.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    url,
    subjectPrefix: prefix,
    signingKeyPem,
    admin: JSON.parse(readFileSync(credentialsFile, 'utf8')),
    iam,
    gateway,
    async gql(query, variables, token) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<never>;
    },
    async close() {
      await gateway.close();
      await iam.close();
      await database.drop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
