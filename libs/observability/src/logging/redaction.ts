/**
 * Keys whose values never reach a log line, wherever they sit in a logged object (up to three
 * levels deep: `{ req: { headers: { authorization } } }`). Redaction works on keys only: a secret
 * interpolated into a message string is not caught, so messages never carry one.
 */
export const SECRET_KEYS: readonly string[] = [
  // HTTP
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  // tokens and credentials as the contracts name them
  'token',
  'accessToken',
  'refreshToken',
  'registryToken',
  'password',
  'secret',
  'secretKey',
  'secretAccessKey',
  'privateKey',
  'seed',
  'kubeconfig',
  // settings that hold secrets, should a config object be logged
  'SECRETS_KEY',
  'S3_SECRET_ACCESS_KEY',
  'IAM_SIGNING_KEY',
  'NATS_NKEY_SEED',
  'REGISTRY_TOKEN_KEY',
  'DATABASE_URL',
];

const DEPTHS = ['', '*', '*.*'];
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** pino `redact` paths for SECRET_KEYS at the top level and two levels below it. */
export function redactPaths(keys: readonly string[] = SECRET_KEYS): string[] {
  return DEPTHS.flatMap((prefix) =>
    keys.map((key) => (IDENTIFIER.test(key) ? [prefix, key].filter(Boolean).join('.') : `${prefix}["${key}"]`)),
  );
}
