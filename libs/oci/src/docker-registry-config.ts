/** Token auth (the distribution token spec): tokens from `realm`, signed with the key of `certificateFile`. */
export interface DockerRegistryTokenAuth {
  realm: string;
  service: string;
  issuer: string;
  certificateFile: string;
}

export interface DockerRegistryConfig {
  /** Where the registry keeps blobs and manifests. */
  rootDirectory: string;
  /** The loopback port it listens on. */
  port: number;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** One line per request; on unless false. */
  accessLog?: boolean;
  /** None: anyone may pull and push. */
  auth?: { token: DockerRegistryTokenAuth } | { htpasswd: { realm: string; path: string } };
}

/** The config.yml of `docker-registry` (CNCF distribution) on loopback, with filesystem storage and deletes enabled. */
export function dockerRegistryConfig(config: DockerRegistryConfig): string {
  return [
    'version: 0.1',
    'log:',
    `  level: ${config.logLevel}`,
    ...(config.accessLog === false ? ['  accesslog:', '    disabled: true'] : []),
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${config.rootDirectory}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${config.port}`,
    ...authSection(config.auth),
    '',
  ].join('\n');
}

function authSection(auth: DockerRegistryConfig['auth']): string[] {
  if (!auth) return [];
  if ('htpasswd' in auth) return ['auth:', '  htpasswd:', `    realm: ${auth.htpasswd.realm}`, `    path: ${auth.htpasswd.path}`];
  return [
    'auth:',
    '  token:',
    `    realm: ${auth.token.realm}`,
    `    service: ${auth.token.service}`,
    `    issuer: ${auth.token.issuer}`,
    `    rootcertbundle: ${auth.token.certificateFile}`,
  ];
}
