// Checks a kubeconfig a user hands to Stagecraft before anything connects with it, and builds a
// KubeConfig holding only the chosen context, cluster and user.
//
// Accepted by default: inline credentials only: a bearer `token`, `client-certificate-data` +
// `client-key-data`, or `username` + `password`. File references (`certificate-authority`,
// `client-certificate`, `client-key`, `token-file`) need `allowFiles` (a kubeconfig uploaded by a
// user must not make the server read its own files, such as its service-account token), and
// `exec` / `auth-provider` plugins need `allowExec` (they run commands on the server).
//
// Problems name the context, cluster or user at fault and never quote a credential or the text.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { isAbsolute } from 'node:path';

import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import { EgressPolicy } from '@stagecraft/config';

import { kubeClient } from './kube-client';
import { applyEgressPolicy } from './kube-egress';

export type KubeCredentialKind = 'token' | 'token-file' | 'client-certificate' | 'basic-auth' | 'exec' | 'auth-provider';

export interface ParseKubeconfigOptions {
  /** Accept references to local files. Only for kubeconfigs an operator provides. Default false. */
  allowFiles?: boolean;
  /** Accept `exec` and `auth-provider` credential plugins. Default false. */
  allowExec?: boolean;
  /** Largest accepted text, in bytes. Default 512 KiB. */
  maxBytes?: number;
  /**
   * What the returned KubeConfig may connect to (docs/security.md#egress); also decides whether a
   * `proxy-url` is accepted. Default: a policy that allows no loopback, private or link-local
   * address and no proxy.
   */
  egress?: EgressPolicy;
}

export type ParsedKubeconfig =
  | {
      ok: true;
      kubeConfig: KubeConfig;
      /** The API server URL, without a trailing slash. */
      server: string;
      context: string;
      cluster: string;
      user: string;
      namespace?: string;
      credential: KubeCredentialKind;
      insecureSkipTlsVerify: boolean;
    }
  | { ok: false; problem: string };

type Entry = { name: string; body: Record<string, unknown> };

class Problem extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const quote = (name: string) => JSON.stringify(name.length > 64 ? `${name.slice(0, 61)}...` : name);

function entries(
  raw: Record<string, unknown>,
  list: 'clusters' | 'users' | 'contexts',
  field: 'cluster' | 'user' | 'context',
): Entry[] {
  const value = raw[list];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Problem(`"${list}" must be a list`);
  return value.map((item, i) => {
    if (!isRecord(item) || !nonEmpty(item.name)) throw new Problem(`${list}[${i}] has no name`);
    const body = item[field] ?? {};
    if (!isRecord(body)) throw new Problem(`${field} ${quote(item.name)} must be a mapping`);
    return { name: item.name, body };
  });
}

function findEntry(list: Entry[], name: string, what: string, from: string): Entry {
  const found = list.filter((e) => e.name === name);
  if (found.length === 0) throw new Problem(`${from} refers to ${what} ${quote(name)}, which is not defined`);
  if (found.length > 1) throw new Problem(`${what} ${quote(name)} is defined more than once`);
  return found[0];
}

function decodeBase64(value: unknown, where: string, field: string): string {
  if (!nonEmpty(value) || !/^[A-Za-z0-9+/=\s]+$/.test(value)) throw new Problem(`${where}: ${field} is not base64`);
  return Buffer.from(value, 'base64').toString('utf8');
}

function checkCertificate(value: unknown, where: string, field: string): X509Certificate {
  const pem = decodeBase64(value, where, field);
  try {
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('not PEM');
    return new X509Certificate(pem);
  } catch {
    throw new Problem(`${where}: ${field} is not a base64-encoded PEM certificate`);
  }
}

function checkFile(path: unknown, where: string, field: string, options: ParseKubeconfigOptions): string {
  if (!options.allowFiles) {
    throw new Problem(
      `${where}: ${field} refers to a local file, which is not accepted; embed the content as ${field}-data instead`,
    );
  }
  if (!nonEmpty(path) || !isAbsolute(path)) throw new Problem(`${where}: ${field} must be an absolute file path`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new Problem(`${where}: the file named by ${field} does not exist or cannot be read`);
  }
  return path;
}

function checkServer(cluster: Entry): { server: string; skipTLSVerify: boolean } {
  const where = `cluster ${quote(cluster.name)}`;
  const { server } = cluster.body;
  if (!nonEmpty(server)) throw new Problem(`${where} has no server URL`);
  let url: URL;
  try {
    url = new URL(server.trim());
  } catch {
    throw new Problem(`${where}: the server is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Problem(`${where}: the server URL must start with https:// or http://`);
  if (url.username || url.password) throw new Problem(`${where}: the server URL must not contain a user name or password`);
  const skipTLSVerify = cluster.body['insecure-skip-tls-verify'] === true;
  // client-node refuses plain HTTP unless TLS verification is explicitly switched off.
  if (url.protocol === 'http:' && !skipTLSVerify) {
    throw new Problem(`${where}: a plain http:// server is only accepted with insecure-skip-tls-verify: true`);
  }
  return { server: server.trim().replace(/\/+$/, ''), skipTLSVerify };
}

function buildCluster(cluster: Entry, options: ParseKubeconfigOptions): Cluster {
  const where = `cluster ${quote(cluster.name)}`;
  const { server, skipTLSVerify } = checkServer(cluster);
  const caDataRaw = cluster.body['certificate-authority-data'];
  const caFileRaw = cluster.body['certificate-authority'];
  if (skipTLSVerify && (caDataRaw !== undefined || caFileRaw !== undefined)) {
    throw new Problem(`${where}: certificate-authority and insecure-skip-tls-verify cannot be used together`);
  }
  const caFile = caFileRaw !== undefined ? checkFile(caFileRaw, where, 'certificate-authority', options) : undefined;
  if (caDataRaw !== undefined) checkCertificate(caDataRaw, where, 'certificate-authority-data');
  const proxyUrl = cluster.body['proxy-url'];
  if (proxyUrl !== undefined && (!nonEmpty(proxyUrl) || !URL.canParse(proxyUrl)))
    throw new Problem(`${where}: proxy-url is not a valid URL`);
  if (proxyUrl !== undefined && !(options.egress?.allowProxy ?? false))
    throw new Problem(`${where}: proxy-url is not accepted (an administrator allows proxies with EGRESS_ALLOW_PROXY)`);
  const tlsServerName = cluster.body['tls-server-name'];
  return {
    name: cluster.name,
    server,
    skipTLSVerify,
    caData: caDataRaw !== undefined ? String(caDataRaw).replace(/\s+/g, '') : undefined,
    caFile,
    proxyUrl: proxyUrl as string | undefined,
    tlsServerName: nonEmpty(tlsServerName) ? tlsServerName : undefined,
  };
}

function buildUser(user: Entry, options: ParseKubeconfigOptions): { user: User; credential: KubeCredentialKind } {
  const where = `user ${quote(user.name)}`;
  const b = user.body;
  const has = (key: string) => b[key] !== undefined && b[key] !== null && b[key] !== '';
  const kinds: KubeCredentialKind[] = [];

  if (has('token') && !nonEmpty(b.token)) throw new Problem(`${where}: token must be a string`);
  if (has('token')) kinds.push('token');
  const tokenFile = has('token-file') ? checkFile(b['token-file'], where, 'token-file', options) : undefined;
  if (tokenFile) kinds.push('token-file');

  const certSet = has('client-certificate-data') || has('client-certificate');
  const keySet = has('client-key-data') || has('client-key');
  if (certSet !== keySet) {
    throw new Problem(
      certSet ? `${where} has a client certificate but no client key` : `${where} has a client key but no client certificate`,
    );
  }
  const certFile = has('client-certificate')
    ? checkFile(b['client-certificate'], where, 'client-certificate', options)
    : undefined;
  const keyFile = has('client-key') ? checkFile(b['client-key'], where, 'client-key', options) : undefined;
  if (has('client-certificate-data') || has('client-key-data')) {
    const cert = has('client-certificate-data')
      ? checkCertificate(b['client-certificate-data'], where, 'client-certificate-data')
      : undefined;
    let key;
    if (has('client-key-data')) {
      try {
        key = createPrivateKey(decodeBase64(b['client-key-data'], where, 'client-key-data'));
      } catch (err) {
        if (err instanceof Problem) throw err;
        throw new Problem(`${where}: client-key-data is not a base64-encoded PEM private key`);
      }
    }
    if (cert && key && !cert.checkPrivateKey(key))
      throw new Problem(`${where}: client-key-data does not belong to client-certificate-data`);
  }
  if (certSet) kinds.push('client-certificate');

  if (has('username') !== has('password')) throw new Problem(`${where} needs both a username and a password`);
  if (has('username')) kinds.push('basic-auth');
  if (kinds.includes('basic-auth') && (kinds.includes('token') || kinds.includes('token-file'))) {
    throw new Problem(`${where} has both a token and a username/password; keep only one`);
  }

  for (const plugin of ['exec', 'auth-provider'] as const) {
    if (!has(plugin)) continue;
    if (!options.allowExec) {
      throw new Problem(
        `${where} uses an ${plugin} credential plugin, which Stagecraft does not run; use a token or a client certificate`,
      );
    }
    if (!isRecord(b[plugin])) throw new Problem(`${where}: ${plugin} must be a mapping`);
    if (plugin === 'exec' && !nonEmpty((b.exec as Record<string, unknown>).command))
      throw new Problem(`${where}: exec has no command`);
    kinds.push(plugin);
  }

  if (kinds.length === 0) {
    const accepted = ['a token', 'a client certificate and key', 'a username and password'];
    if (options.allowExec) accepted.push('an exec or auth-provider plugin');
    throw new Problem(`${where} has no credentials (expected ${accepted.join(', ')})`);
  }
  return {
    credential: kinds[0],
    user: {
      name: user.name,
      token: has('token') ? (b.token as string).trim() : undefined,
      // A token file is re-read as it rotates, like a projected service-account token.
      authProvider: tokenFile
        ? { name: 'tokenFile', config: { tokenFile } }
        : has('auth-provider')
          ? b['auth-provider']
          : undefined,
      certData: has('client-certificate-data') ? String(b['client-certificate-data']).replace(/\s+/g, '') : undefined,
      certFile,
      keyData: has('client-key-data') ? String(b['client-key-data']).replace(/\s+/g, '') : undefined,
      keyFile,
      username: has('username') ? String(b.username) : undefined,
      password: has('password') ? String(b.password) : undefined,
      exec: has('exec') ? b.exec : undefined,
      impersonateUser: nonEmpty(b.as) ? b.as : undefined,
    },
  };
}

function parse(text: string, options: ParseKubeconfigOptions): Extract<ParsedKubeconfig, { ok: true }> {
  if (typeof text !== 'string' || text.trim() === '') throw new Problem('the kubeconfig is empty');
  const maxBytes = options.maxBytes ?? 512 * 1024;
  if (Buffer.byteLength(text) > maxBytes) throw new Problem(`the kubeconfig is larger than ${Math.floor(maxBytes / 1024)} KiB`);
  let raw: unknown;
  try {
    raw = kubeClient().loadYaml(text);
  } catch {
    // The YAML parser's message quotes the offending text, which may be a credential.
    throw new Problem('the kubeconfig is not valid YAML');
  }
  if (!isRecord(raw)) throw new Problem('the kubeconfig is not a YAML mapping with clusters, users and contexts');
  if (raw.kind !== undefined && raw.kind !== 'Config') throw new Problem('the document is not a kubeconfig (kind is not Config)');

  const contexts = entries(raw, 'contexts', 'context');
  const clusters = entries(raw, 'clusters', 'cluster');
  const users = entries(raw, 'users', 'user');
  const current = raw['current-context'];
  let context: Entry;
  if (nonEmpty(current)) {
    context = findEntry(contexts, current, 'context', 'current-context');
  } else if (contexts.length === 1) {
    context = contexts[0];
  } else if (contexts.length === 0) {
    throw new Problem('the kubeconfig has no contexts');
  } else {
    throw new Problem(`no current-context is set and there are ${contexts.length} contexts; set current-context to choose one`);
  }
  const where = `context ${quote(context.name)}`;
  if (!nonEmpty(context.body.cluster)) throw new Problem(`${where} names no cluster`);
  if (!nonEmpty(context.body.user)) throw new Problem(`${where} names no user, so there are no credentials`);
  const cluster = buildCluster(findEntry(clusters, context.body.cluster, 'cluster', where), options);
  const { user, credential } = buildUser(findEntry(users, context.body.user, 'user', where), options);
  const namespace = nonEmpty(context.body.namespace) ? context.body.namespace : undefined;
  const ctx: Context = { name: context.name, cluster: cluster.name, user: user.name, namespace };

  const kubeConfig = new (kubeClient().KubeConfig)();
  kubeConfig.loadFromOptions({ clusters: [cluster], users: [user], contexts: [ctx], currentContext: ctx.name });
  applyEgressPolicy(kubeConfig, options.egress ?? new EgressPolicy());
  return {
    ok: true,
    kubeConfig,
    server: cluster.server,
    context: ctx.name,
    cluster: cluster.name,
    user: user.name,
    namespace,
    credential,
    insecureSkipTlsVerify: cluster.skipTLSVerify,
  };
}

/** Secrets that might appear in the text: every string value under `users`, and certificate data. */
function secretsIn(text: string): string[] {
  try {
    const raw = kubeClient().loadYaml(text) as Record<string, unknown>;
    const found: string[] = [];
    const walk = (v: unknown) => {
      if (typeof v === 'string') found.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (isRecord(v)) Object.values(v).forEach(walk);
    };
    if (isRecord(raw) && Array.isArray(raw.users)) raw.users.forEach((u) => isRecord(u) && walk(u.user));
    return found.filter((s) => s.length >= 6);
  } catch {
    return [];
  }
}

export function parseKubeconfig(text: string, options: ParseKubeconfigOptions = {}): ParsedKubeconfig {
  try {
    return parse(text, options);
  } catch (err) {
    const problem = err instanceof Problem ? err.message : 'the kubeconfig could not be read';
    // Defence in depth: a problem must never repeat a credential, whatever produced it.
    const safe = secretsIn(text).reduce((p, secret) => p.split(secret).join('[redacted]'), problem);
    return { ok: false, problem: safe };
  }
}
