import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { stringify } from 'yaml';

import { parseKubeconfig, ParseKubeconfigOptions } from './kubeconfig.parser';
import { createTestCa } from './testing';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ca = createTestCa('parser-test-ca');
const client = ca.issueClientCertificate('alice', ['devs']);
// Any other key: an EC one is quick to make.
const foreignKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLXBheWxvYWQ.sig-TOP-SECRET';
const PASSWORD = 'hunter2-very-secret';
const CA_DATA = b64(ca.certPem);
const CERT_DATA = b64(client.certPem);
const KEY_DATA = b64(client.keyPem);
const SECRETS = [TOKEN, PASSWORD, CERT_DATA, KEY_DATA, b64(foreignKey)];

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-spec-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, 'FILE-TOKEN-SECRET-CONTENT');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Shape {
  cluster?: Record<string, unknown>;
  user?: Record<string, unknown> | null;
  context?: Record<string, unknown>;
  current?: string | null;
  extra?: Record<string, unknown>;
}

/** A kubeconfig with one cluster "prod", one user "admin" and one context "prod-admin". */
function kubeconfig(shape: Shape = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'prod',
        cluster: { server: 'https://k8s.example.com:6443', 'certificate-authority-data': CA_DATA, ...shape.cluster },
      },
    ],
    users: shape.user === null ? [] : [{ name: 'admin', user: shape.user ?? { token: TOKEN } }],
    contexts: [{ name: 'prod-admin', context: { cluster: 'prod', user: 'admin', namespace: 'builds', ...shape.context } }],
    ...(shape.current === null ? {} : { 'current-context': shape.current ?? 'prod-admin' }),
    ...shape.extra,
  });
}

describe('parseKubeconfig accepts', () => {
  it('a token kubeconfig, and keeps only the chosen context, cluster and user', () => {
    const text = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'dev', cluster: { server: 'https://dev.example.com' } },
        { name: 'prod', cluster: { server: 'https://k8s.example.com:6443/', 'certificate-authority-data': CA_DATA } },
      ],
      users: [
        { name: 'dev-user', user: { token: 'dev-token' } },
        { name: 'admin', user: { token: TOKEN } },
      ],
      contexts: [
        { name: 'dev', context: { cluster: 'dev', user: 'dev-user' } },
        { name: 'prod-admin', context: { cluster: 'prod', user: 'admin', namespace: 'builds' } },
      ],
      'current-context': 'prod-admin',
    });
    const parsed = parseKubeconfig(text);
    expect(parsed).toMatchObject({
      ok: true,
      server: 'https://k8s.example.com:6443',
      context: 'prod-admin',
      cluster: 'prod',
      user: 'admin',
      namespace: 'builds',
      credential: 'token',
      insecureSkipTlsVerify: false,
    });
    if (!parsed.ok) return;
    const kc = parsed.kubeConfig;
    expect(kc.getContexts().map((c) => c.name)).toEqual(['prod-admin']);
    expect(kc.getClusters()).toEqual([
      expect.objectContaining({ name: 'prod', server: 'https://k8s.example.com:6443', caData: CA_DATA, skipTLSVerify: false }),
    ]);
    expect(kc.getUsers()).toEqual([expect.objectContaining({ name: 'admin', token: TOKEN })]);
    expect(kc.getCurrentContext()).toBe('prod-admin');
  });

  it.each<[string, Shape, ParseKubeconfigOptions, Record<string, unknown>]>([
    [
      'client certificate and key data',
      { user: { 'client-certificate-data': CERT_DATA, 'client-key-data': KEY_DATA } },
      {},
      { credential: 'client-certificate' },
    ],
    ['username and password', { user: { username: 'admin', password: PASSWORD } }, {}, { credential: 'basic-auth' }],
    [
      'a certificate with a token',
      { user: { token: TOKEN, 'client-certificate-data': CERT_DATA, 'client-key-data': KEY_DATA } },
      {},
      { credential: 'token' },
    ],
    ['one context and no current-context', { current: null }, {}, { context: 'prod-admin' }],
    [
      'plain http with insecure-skip-tls-verify',
      { cluster: { server: 'http://10.0.0.1:8080', 'certificate-authority-data': undefined, 'insecure-skip-tls-verify': true } },
      {},
      { server: 'http://10.0.0.1:8080', insecureSkipTlsVerify: true },
    ],
    [
      'a token file when files are allowed',
      { user: { 'token-file': tokenFile } },
      { allowFiles: true },
      { credential: 'token-file' },
    ],
    [
      'an exec plugin when allowed',
      { user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws' } } },
      { allowExec: true },
      { credential: 'exec' },
    ],
  ])('%s', (_name, shape, options, expected) => {
    expect(parseKubeconfig(kubeconfig(shape), options)).toMatchObject({ ok: true, ...expected });
  });

  it('a token file becomes a tokenFile auth provider (re-read as it rotates), not a token read at parse time', () => {
    const parsed = parseKubeconfig(kubeconfig({ user: { 'token-file': tokenFile } }), { allowFiles: true });
    expect(parsed.ok && parsed.kubeConfig.getCurrentUser()).toMatchObject({
      authProvider: { name: 'tokenFile', config: { tokenFile } },
    });
    expect(JSON.stringify(parsed.ok && parsed.kubeConfig.getCurrentUser())).not.toContain('FILE-TOKEN-SECRET-CONTENT');
  });
});

describe('parseKubeconfig refuses', () => {
  const missing = join(dir, 'does-not-exist.crt');
  const cases: [string, string, RegExp, ParseKubeconfigOptions?][] = [
    ['empty text', '  \n', /is empty/],
    ['garbage YAML', `users: [ {token: ${TOKEN}`, /not valid YAML/],
    ['a YAML scalar', 'just some words', /not a YAML mapping/],
    ['a YAML list', '- a\n- b', /not a YAML mapping/],
    ['another kind of document', kubeconfig({ extra: { kind: 'Pod' } }), /not a kubeconfig/],
    ['no contexts', stringify({ clusters: [], users: [], contexts: [] }), /has no contexts/],
    [
      'two contexts and no current-context',
      stringify({
        contexts: [
          { name: 'a', context: { cluster: 'c' } },
          { name: 'b', context: { cluster: 'c' } },
        ],
      }),
      /no current-context is set and there are 2 contexts/,
    ],
    [
      'a current-context that does not exist',
      kubeconfig({ current: 'staging' }),
      /current-context refers to context "staging", which is not defined/,
    ],
    ['a context without cluster', kubeconfig({ context: { cluster: undefined } }), /context "prod-admin" names no cluster/],
    [
      'a context naming an undefined cluster',
      kubeconfig({ context: { cluster: 'qa' } }),
      /refers to cluster "qa", which is not defined/,
    ],
    ['a cluster without server', kubeconfig({ cluster: { server: undefined } }), /cluster "prod" has no server URL/],
    [
      'a server that is not a URL',
      kubeconfig({ cluster: { server: 'k8s.example.com:6443' } }),
      /must start with https:\/\/ or http:\/\//,
    ],
    ['an ftp server', kubeconfig({ cluster: { server: 'ftp://k8s.example.com' } }), /must start with https:\/\/ or http:\/\//],
    [
      'credentials in the server URL',
      kubeconfig({ cluster: { server: `https://admin:${PASSWORD}@k8s.example.com` } }),
      /must not contain a user name or password/,
    ],
    [
      'plain http with TLS verification on',
      kubeconfig({ cluster: { server: 'http://10.0.0.1:8080', 'certificate-authority-data': undefined } }),
      /plain http:\/\/ server is only accepted with insecure-skip-tls-verify/,
    ],
    [
      'CA data that is not base64',
      kubeconfig({ cluster: { 'certificate-authority-data': 'not base64 !!' } }),
      /certificate-authority-data is not base64/,
    ],
    [
      'CA data that is not a certificate',
      kubeconfig({ cluster: { 'certificate-authority-data': b64('hello') } }),
      /certificate-authority-data is not a base64-encoded PEM certificate/,
    ],
    [
      'a CA together with insecure-skip-tls-verify',
      kubeconfig({ cluster: { 'insecure-skip-tls-verify': true } }),
      /cannot be used together/,
    ],
    ['a context without user', kubeconfig({ context: { user: undefined } }), /names no user, so there are no credentials/],
    ['a context naming an undefined user', kubeconfig({ user: null }), /refers to user "admin", which is not defined/],
    [
      'a user without credentials',
      kubeconfig({ user: {} }),
      /user "admin" has no credentials \(expected a token, a client certificate and key, a username and password\)/,
    ],
    [
      'a certificate without key',
      kubeconfig({ user: { 'client-certificate-data': CERT_DATA } }),
      /has a client certificate but no client key/,
    ],
    [
      'a key without certificate',
      kubeconfig({ user: { 'client-key-data': KEY_DATA } }),
      /has a client key but no client certificate/,
    ],
    [
      'a key of another certificate',
      kubeconfig({ user: { 'client-certificate-data': CERT_DATA, 'client-key-data': b64(foreignKey) } }),
      /client-key-data does not belong to client-certificate-data/,
    ],
    [
      'key data that is not a key',
      kubeconfig({
        user: {
          'client-certificate-data': CERT_DATA,
          'client-key-data': b64('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'),
        },
      }),
      /client-key-data is not a base64-encoded PEM private key/,
    ],
    ['a username without password', kubeconfig({ user: { username: 'admin' } }), /needs both a username and a password/],
    [
      'a token and a password',
      kubeconfig({ user: { token: TOKEN, username: 'admin', password: PASSWORD } }),
      /both a token and a username\/password/,
    ],
    [
      'an exec plugin by default',
      kubeconfig({ user: { exec: { command: 'aws', args: ['eks', 'get-token'] } } }),
      /uses an exec credential plugin, which Stagecraft does not run/,
    ],
    [
      'an auth-provider by default',
      kubeconfig({ user: { 'auth-provider': { name: 'oidc', config: { 'id-token': TOKEN } } } }),
      /uses an auth-provider credential plugin/,
    ],
    [
      'an exec plugin without command',
      kubeconfig({ user: { exec: { args: ['x'] } } }),
      /exec has no command/,
      { allowExec: true },
    ],
    [
      'a certificate file by default',
      kubeconfig({ user: { 'client-certificate': '/etc/ssl/cert.pem', 'client-key': '/etc/ssl/key.pem' } }),
      /client-certificate refers to a local file, which is not accepted/,
    ],
    [
      'a token file by default (without reading it)',
      kubeconfig({ user: { 'token-file': tokenFile } }),
      /token-file refers to a local file/,
    ],
    [
      'a CA file by default',
      kubeconfig({ cluster: { 'certificate-authority-data': undefined, 'certificate-authority': '/etc/ssl/ca.pem' } }),
      /certificate-authority refers to a local file/,
    ],
    [
      'a certificate file that does not exist',
      kubeconfig({ user: { 'client-certificate': missing, 'client-key-data': KEY_DATA } }),
      /the file named by client-certificate does not exist or cannot be read/,
      { allowFiles: true },
    ],
    [
      'a CA file that does not exist',
      kubeconfig({ cluster: { 'certificate-authority-data': undefined, 'certificate-authority': missing } }),
      /file named by certificate-authority does not exist/,
      { allowFiles: true },
    ],
    [
      'a relative file path',
      kubeconfig({ user: { 'token-file': 'token' } }),
      /token-file must be an absolute file path/,
      { allowFiles: true },
    ],
    [
      'a kubeconfig over the size limit',
      kubeconfig({ extra: { padding: 'x'.repeat(2048) } }),
      /larger than 1 KiB/,
      { maxBytes: 1024 },
    ],
    ['a non-list "users"', kubeconfig({ extra: { users: { admin: { token: TOKEN } } } }), /"users" must be a list/],
  ];

  it.each(cases)('%s', (_name, text, problem, options = {}) => {
    const result = parseKubeconfig(text, options);
    expect(result).toEqual({ ok: false, problem: expect.stringMatching(problem) });
    if (result.ok) return;
    for (const secret of [...SECRETS, 'FILE-TOKEN-SECRET-CONTENT']) expect(result.problem).not.toContain(secret);
    if (text.trim().length > 0) expect(result.problem).not.toContain(text.trim());
  });

  it('redacts a credential even where a name repeats it', () => {
    const text = stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://x.example.com' } }],
      users: [{ name: 'someone', user: { token: TOKEN } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: TOKEN } }],
      'current-context': 'ctx',
    });
    const result = parseKubeconfig(text);
    expect(result).toEqual({ ok: false, problem: 'context "ctx" refers to user "[redacted]", which is not defined' });
  });

  it('a long name is shortened in the problem', () => {
    const result = parseKubeconfig(kubeconfig({ current: 'n'.repeat(200) }));
    expect(!result.ok && result.problem.length).toBeLessThan(140);
  });
});
