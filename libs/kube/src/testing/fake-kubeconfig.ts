// Kubeconfig files pointing at the fake, right or deliberately wrong (CA, credential, server name).
import { KeyAndCertificate } from './test-pki';

export interface KubeconfigOptions {
  /** Which CA the kubeconfig trusts: the fake's (default), an unrelated one, none, or no verification. */
  ca?: 'trusted' | 'untrusted' | 'none' | 'insecure-skip-tls-verify';
  /** The credential: the fake's token (default), a given token, or a client certificate signed by the fake's CA. */
  credential?: 'token' | 'client-certificate' | 'none';
  token?: string;
  /** Defaults to the fake's URL. */
  server?: string;
  /** The name the server certificate is checked against instead of the URL's host. */
  tlsServerName?: string;
  contextName?: string;
  namespace?: string;
}

/** What a kubeconfig for the fake is made of; the functions are called only when the options ask for it (issuing is slow). */
export interface FakeServerCredentials {
  url: string;
  caPem: string;
  token: string;
  untrustedCaPem: () => string;
  clientCertificate: () => KeyAndCertificate;
}

/** JSON strings are valid YAML scalars, whatever characters they hold. */
const yamlString = (value: string) => JSON.stringify(value);
const base64 = (pem: string) => Buffer.from(pem).toString('base64');

export function renderKubeconfig(fake: FakeServerCredentials, options: KubeconfigOptions): string {
  const ca = options.ca ?? 'trusted';
  const credential = options.credential ?? 'token';
  const context = options.contextName ?? 'fake';
  const cluster = [`    server: ${yamlString(options.server ?? fake.url)}`];
  if (ca === 'trusted') cluster.push(`    certificate-authority-data: ${yamlString(base64(fake.caPem))}`);
  if (ca === 'untrusted') cluster.push(`    certificate-authority-data: ${yamlString(base64(fake.untrustedCaPem()))}`);
  if (ca === 'insecure-skip-tls-verify') cluster.push('    insecure-skip-tls-verify: true');
  if (options.tlsServerName) cluster.push(`    tls-server-name: ${yamlString(options.tlsServerName)}`);
  const user: string[] = [];
  if (credential === 'token') user.push(`    token: ${yamlString(options.token ?? fake.token)}`);
  if (credential === 'client-certificate') {
    const client = fake.clientCertificate();
    user.push(`    client-certificate-data: ${yamlString(base64(client.certPem))}`);
    user.push(`    client-key-data: ${yamlString(base64(client.keyPem))}`);
  }
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${yamlString(context)}`,
    '  cluster:',
    ...cluster,
    'users:',
    `- name: ${yamlString(`${context}-user`)}`,
    user.length ? '  user:' : '  user: {}',
    ...user,
    'contexts:',
    `- name: ${yamlString(context)}`,
    '  context:',
    `    cluster: ${yamlString(context)}`,
    `    user: ${yamlString(`${context}-user`)}`,
    `    namespace: ${yamlString(options.namespace ?? 'default')}`,
    `current-context: ${yamlString(context)}`,
    '',
  ].join('\n');
}
