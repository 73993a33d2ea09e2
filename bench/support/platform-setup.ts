import type { IamPlatform } from './iam-gateway.platform';

/** Any platform the benchmarks start: all setup needs is its GraphQL endpoint. */
type GraphQLPlatform = Pick<IamPlatform, 'gql'>;

const LOGIN = `mutation Login($a: String!, $s: String!) { createAccessToken(accessKey: $a, secretKey: $s) }`;

/** The data of a setup request's answer: a benchmark cannot go on without it. */
export async function setupData<T>(
  platform: GraphQLPlatform,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<T> {
  const answer = await platform.gql<T>(query, variables, token);
  if (!answer.data) throw new Error(`setup failed: ${JSON.stringify(answer.errors)}`);
  return answer.data;
}

/** An access token for an access key. */
export async function signIn(platform: GraphQLPlatform, key: { accessKey: string; secretKey: string }): Promise<string> {
  const answer = await setupData<{ createAccessToken: string }>(platform, LOGIN, { a: key.accessKey, s: key.secretKey });
  return answer.createAccessToken;
}

/** A new non-admin user, made through the platform's own API; returns its id. */
export async function createUser(platform: GraphQLPlatform, adminToken: string, name: string): Promise<string> {
  const answer = await setupData<{ createUser: { id: string } }>(
    platform,
    `mutation($n: String!) { createUser(name: $n) { id } }`,
    { n: name },
    adminToken,
  );
  return answer.createUser.id;
}

/** Gives the user an access key and signs in with it. */
export async function signInAs(platform: GraphQLPlatform, adminToken: string, userId: string): Promise<string> {
  const key = await setupData<{ createAccessKey: { accessKey: string; secretKey: string } }>(
    platform,
    `mutation Key($u: ID!) { createAccessKey(userId: $u) }`,
    { u: userId },
    adminToken,
  );
  return signIn(platform, key.createAccessKey);
}
