// What the browser specs set up through the API as an administrator: users, their keys and
// policies, projects. The console itself is driven only through the browser.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The module itself, not the package index: that one loads NATS and Postgres helpers too.
import { javaApp } from '../../libs/testing/src/stack-apps';

export interface AccessKey {
  accessKey: string;
  secretKey: string;
}

export const consoleUrl = (): string => process.env.STAGECRAFT_CONSOLE_URL!;
export const registry = (): string => process.env.STAGECRAFT_REGISTRY!;

export function adminKey(): AccessKey {
  return JSON.parse(readFileSync(join(process.env.STAGECRAFT_DATA_DIR!, 'admin-credentials.json'), 'utf8')) as AccessKey;
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(new URL('/graphql', consoleUrl()), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.STAGECRAFT_ADMIN_TOKEN}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (!body.data || body.errors?.length) throw new Error(`setup call refused: ${body.errors?.[0]?.message}`);
  return body.data;
}

/** A user holding `allow` (and refused `deny`) in the given projects, with an access key. */
export async function createMember(
  name: string,
  { allow, deny = [], projectIds }: { allow: string[]; deny?: string[]; projectIds: string[] },
): Promise<AccessKey> {
  const { createUser } = await gql<{ createUser: { id: string } }>('mutation($n: String!) { createUser(name: $n) { id } }', {
    n: name,
  });
  const statements = [{ effect: 'ALLOW', actions: allow }, ...(deny.length ? [{ effect: 'DENY', actions: deny }] : [])];
  const { createPolicy } = await gql<{ createPolicy: { id: string } }>(
    'mutation($n: String!, $s: [PolicyStatementInput!]!) { createPolicy(name: $n, statements: $s) { id } }',
    { n: `${name}-policy`, s: statements },
  );
  await gql('mutation($u: ID!, $p: ID!, $e: [ID!]) { attachPolicy(userId: $u, policyId: $p, enterpriseProjectIds: $e) { id } }', {
    u: createUser.id,
    p: createPolicy.id,
    e: projectIds,
  });
  const { createAccessKey } = await gql<{ createAccessKey: AccessKey }>('mutation($u: ID!) { createAccessKey(userId: $u) }', {
    u: createUser.id,
  });
  return createAccessKey;
}

export async function projectId(name: string): Promise<string> {
  const { enterpriseProjects } = await gql<{ enterpriseProjects: { id: string; name: string }[] }>(
    '{ enterpriseProjects { id name } }',
  );
  const found = enterpriseProjects.find((project) => project.name === name);
  if (found) return found.id;
  const { createEnterpriseProject } = await gql<{ createEnterpriseProject: { id: string } }>(
    'mutation($n: String!) { createEnterpriseProject(name: $n) { id } }',
    { n: name },
  );
  return createEnterpriseProject.id;
}

/**
 * The Java test app with 1 MiB of incompressible padding, so a throttled upload takes long
 * enough for its progress to be seen moving.
 */
export function paddedJar(): Buffer {
  const folder = mkdtempSync(join(tmpdir(), 'stagecraft-console-jar-'));
  try {
    writeFileSync(join(folder, 'app.jar'), javaApp().bytes);
    writeFileSync(
      join(folder, 'padding.bin'),
      Buffer.from(Array.from({ length: 1 << 20 }, () => Math.floor(Math.random() * 256))),
    );
    execFileSync('jar', ['--update', '--file', join(folder, 'app.jar'), '-C', folder, 'padding.bin']);
    return readFileSync(join(folder, 'app.jar'));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
