import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INestMicroservice } from '@nestjs/common';
import {
  CallerResolver,
  listenForAuthzChanges,
  NatsCallerRulesSource,
  NatsVerificationKeySource,
  TokenVerifier,
} from '@stagecraft/authz';
import { loadConfig } from '@stagecraft/config';
import { IamSubjects } from '@stagecraft/contracts';
import type { NatsRpcClient } from '@stagecraft/messaging';
import {
  connectTestClient,
  createTestDatabase,
  generateSigningKeyPem,
  type TestDatabase,
  testNatsSettings,
  testSubjectPrefix,
} from '@stagecraft/testing';

import { IamConfig } from '../src/config';
import { startIam } from '../src/start-iam';

export interface IamHarness {
  client: NatsRpcClient;
  database: TestDatabase;
  subjectPrefix: string;
  admin: { userId: string; accessKey: string; secretKey: string };
  config: IamConfig;
  app: INestMicroservice;
  /** Logs the bootstrap administrator in. */
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

/** iam in this process on a fresh database and its own subject prefix, bootstrapped with an admin. */
export async function startIamHarness(): Promise<IamHarness> {
  const database = await createTestDatabase('iam');
  const subjectPrefix = testSubjectPrefix();
  const folder = mkdtempSync(join(tmpdir(), 'iam-test-'));
  const credentialsFile = join(folder, 'admin.json');
  const config = loadConfig(IamConfig, {
    DATABASE_URL: database.url,
    ...testNatsSettings('iam', subjectPrefix),
    IAM_SIGNING_KEY: generateSigningKeyPem(),
    IAM_BOOTSTRAP_CREDENTIALS_FILE: credentialsFile,
  });
  const app = await startIam(config, ['error', 'warn']);
  const client = await connectTestClient(subjectPrefix);
  const admin = JSON.parse(readFileSync(credentialsFile, 'utf8'));
  return {
    client,
    database,
    subjectPrefix,
    admin,
    config,
    app,
    adminToken: async () =>
      (await client.send(IamSubjects.createAccessToken, { accessKey: admin.accessKey, secretKey: admin.secretKey })).token,
    close: async () => {
      await client.connection.close();
      await app.close();
      await database.drop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Another service's view of callers: rules fetched over NATS, cached for a minute, cleared by authz-changed events. */
export function listeningCallerResolver(client: NatsRpcClient): { resolver: CallerResolver; stopListening: () => void } {
  const resolver = new CallerResolver(
    new TokenVerifier(new NatsVerificationKeySource(client)),
    new NatsCallerRulesSource(client),
    { cacheTtlMs: 60_000 },
  );
  const subscription = listenForAuthzChanges(client, resolver);
  return { resolver, stopListening: () => subscription.unsubscribe() };
}
