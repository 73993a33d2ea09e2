import { type DockerfileInstruction, parseDockerfile } from './dockerfile.parser';

/**
 * `secret-variable`: an ENV or ARG whose name says secret, given a literal value;
 * `url-password`: a URL or DSN with a password (`postgres://user:pw@host`);
 * `command-password`: a password on a command line (`mysql -ppw`, `--password pw`, `curl -u user:pw`).
 */
export type SecretKind =
  | 'private-key'
  | 'cloud-access-key'
  | 'password-literal'
  | 'token'
  | 'secret-variable'
  | 'url-password'
  | 'command-password';

export interface SecretFinding {
  line: number;
  kind: SecretKind;
  message: string;
  /** The value itself, for masking build logs; never shown to anyone. */
  value: string;
  /**
   * The value with the text around it as written (`DB_PASSWORD=pw`, `-ppw`, `:pw@`): masked as a
   * whole, so a value too short to mask on its own (`pw`) is still hidden where it was written.
   */
  context?: string;
}

const PRIVATE_KEY = /-----BEGIN ((?:[A-Z]+ )*PRIVATE KEY)-----([\s\S]*?)-----END \1-----/g;
const CLOUD_ACCESS_KEYS: [RegExp, string][] = [
  [/\b((?:AKIA|ASIA)[0-9A-Z]{16})\b/g, 'an AWS access key id'],
  [
    /(?:aws_secret_access_key|secret_access_key|SecretAccessKey)\s*[=:]\s*["']?([A-Za-z0-9/+=]{40})\b/gi,
    'an AWS secret access key',
  ],
  [/\b(?:HUAWEICLOUD_SDK_SK|OBS_SECRET_ACCESS_KEY|HW_SECRET_KEY)\s*[=:]\s*["']?([A-Za-z0-9]{30,})/g, 'a Huawei Cloud secret key'],
];
// password=..., api_key: ..., TOKEN=... with a literal value (a $VARIABLE is not a secret in the file).
const SECRET_ASSIGNMENT =
  /\b([A-Za-z_]*(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|token))\s*[=:]\s*(?:"([^"$\s]{4,})"|'([^'$\s]{4,})'|([^\s"'$][^\s"']{3,}))/gi;
const KNOWN_TOKENS =
  /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9]{32,}|npm_[A-Za-z0-9]{36})\b/g;
// ENV and ARG names that say "secret"; a name for where the secret is (…_FILE, …_PATH) does not.
const SECRET_NAME =
  /(PASSWORD|PASSWD|PASSPHRASE|(^|_)PWD$|(^|_)PASS$|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH_?KEY|CREDENTIALS?|(^|_)AUTH$)/;
const NOT_A_SECRET_NAME =
  /^(PWD|OLDPWD)$|_(FILE|FILES|PATH|DIR|FILENAME|LOCATION|URL|URI|ENDPOINT|HOST|PORT|USER|USERNAME|NAME|ID|TYPE|LENGTH|TTL|TIMEOUT|EXPIRY|ENABLED|VERSION)$/;
// `KEY=value` pairs of ENV/ARG: a double-quoted, single-quoted or bare (backslash escapes) value.
const VARIABLE_PAIR = /(?:^|\s)([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|'[^']*'|(?:[^\s"'\\]|\\.)*)/g;
const PLACEHOLDER = /^(true|false|null|none|changeme|yes|no|on|off)$/i;
// scheme://user:password@host, the password neither empty nor a $REFERENCE.
const URL_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"`]*:([^\s@/'"`]+)@[^\s/'"`]/gi;
const CLI_VALUE = `(?:"([^"]+)"|'([^']+)'|([^\\s'"\`;&|]+))`;
const COMMAND_PASSWORDS: RegExp[] = [
  // mysql -pSECRET (`-p SECRET` makes mysql prompt, and SECRET is the database name).
  new RegExp(
    `\\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlshow|mariadb|mariadb-dump)\\b[^\\n;&|]*?\\s-p${CLI_VALUE}`,
    'g',
  ),
  new RegExp(`\\bsshpass\\s+-p\\s*${CLI_VALUE}`, 'g'),
  // --password=…, --password …, --passwd …, --pass … (not --password-stdin, not a next -flag).
  new RegExp(`(?:^|\\s)--(?:password|passwd|pass)(?:=|\\s+)${CLI_VALUE}`, 'g'),
  // openssl -passin pass:…, -passout pass:…, -pass pass:…
  new RegExp(`(?:^|\\s)-pass(?:in|out)?\\s+pass:${CLI_VALUE}`, 'g'),
];
// curl -u user:pass, --user user:pass, --user=user:pass, --proxy-user user:pass.
const USER_PASSWORD = /(?:^|\s)(?:-u\s*|--user(?:=|\s+)|--proxy-user(?:=|\s+))(["']?)([^\s:'"`]+):([^\s'"`;&|]+)\1/g;

// A long mixed string in an echo or cat line: what the console warns about.
const HIGH_ENTROPY = /[A-Za-z0-9_\-+/=]{24,}/g;

/**
 * Likely secrets in a Dockerfile: private keys, cloud access keys, `password=` literals, and
 * tokens in echo/cat lines. Heuristics: each finding is a warning, not an error.
 */
export function scanForSecrets(instructions: DockerfileInstruction[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const add = (finding: SecretFinding) => {
    if (!findings.some((f) => f.value === finding.value)) findings.push(finding);
  };
  for (const instruction of instructions) {
    const text = instruction.source.join('\n');
    for (const match of text.matchAll(PRIVATE_KEY)) {
      add({
        line: lineOf(instruction, match.index),
        kind: 'private-key',
        message: `a ${match[1].toLowerCase()} is written into the image`,
        value: match[2].trim(),
      });
    }
    for (const [pattern, what] of CLOUD_ACCESS_KEYS) {
      for (const match of text.matchAll(pattern))
        add({
          line: lineOf(instruction, match.index),
          kind: 'cloud-access-key',
          message: `${what} appears in the Dockerfile`,
          value: match[1],
        });
    }
    for (const match of text.matchAll(KNOWN_TOKENS))
      add({
        line: lineOf(instruction, match.index),
        kind: 'token',
        message: 'an access token appears in the Dockerfile',
        value: match[1],
      });
    for (const match of text.matchAll(SECRET_ASSIGNMENT)) {
      const value = match[2] ?? match[3] ?? match[4];
      // PWD is the shell's working folder, not a password.
      if (/^(true|false|null|none|changeme)$/i.test(value) || /^(OLD)?PWD$/i.test(match[1])) continue;
      add({
        line: lineOf(instruction, match.index),
        kind: 'password-literal',
        message: `${match[1]} is given a literal value`,
        value,
      });
    }
    if (instruction.keyword === 'ENV' || instruction.keyword === 'ARG') {
      for (const { name, value, context } of variablesOf(instruction)) {
        if (!isSecretName(name) || !isLiteral(value) || looksLikePath(value)) continue;
        add({
          line: lineOf(instruction, text.indexOf(name)),
          kind: 'secret-variable',
          message: `${instruction.keyword} ${name} is given a literal value`,
          value,
          context,
        });
      }
    }
    for (const match of text.matchAll(URL_PASSWORD)) {
      if (!isLiteral(match[1])) continue;
      add({
        line: lineOf(instruction, match.index),
        kind: 'url-password',
        message: 'a URL carries a password',
        value: match[1],
        context: `:${match[1]}@`,
      });
    }
    for (const pattern of COMMAND_PASSWORDS) {
      for (const match of text.matchAll(pattern)) {
        const value = match[1] ?? match[2] ?? match[3];
        if (!isLiteral(value) || value.startsWith('-')) continue;
        add({
          line: lineOf(instruction, match.index),
          kind: 'command-password',
          message: 'a password is given on a command line',
          value,
          context: match[0].trim(),
        });
      }
    }
    for (const match of text.matchAll(USER_PASSWORD)) {
      const [, , user, password] = match;
      if (!isLiteral(user + password) || /^\d+$/.test(user) || /^\d+$/.test(password)) continue;
      add({
        line: lineOf(instruction, match.index),
        kind: 'command-password',
        message: 'a user and its secret are given on a command line (-u user:…)',
        value: password,
        context: `${user}:${password}`,
      });
    }
    if (instruction.keyword === 'RUN' && /\b(echo|cat|printf)\b/.test(text)) {
      for (const match of text.matchAll(HIGH_ENTROPY)) {
        if (
          /[0-9]/.test(match[0]) &&
          /[A-Za-z]/.test(match[0]) &&
          !match[0].includes('/') &&
          !findings.some((f) => f.value.includes(match[0]))
        ) {
          add({
            line: lineOf(instruction, match.index),
            kind: 'token',
            message: 'what looks like a token is echoed or written by cat',
            value: match[0],
          });
        }
      }
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}

/**
 * Masks every finding in a text (a log, the Dockerfile itself): each value of 4 characters or
 * more wherever it appears, and each value where it was written (its context), whatever its length.
 */
export function maskFindings(text: string, findings: readonly Pick<SecretFinding, 'value' | 'context'>[]): string {
  let masked = text;
  const contexts = findings
    .filter((finding) => finding.context && finding.context.includes(finding.value))
    .map((finding) => [finding.context!, finding.context!.split(finding.value).join('****')] as const)
    .sort((a, b) => b[0].length - a[0].length);
  for (const [context, replacement] of contexts) masked = masked.split(context).join(replacement);
  return maskSecrets(
    masked,
    findings.map((finding) => finding.value),
  );
}

/** The Dockerfile as it may be shown: every value the scan flags replaced by ****. */
export function maskDockerfile(dockerfile: string): string {
  const parsed = parseDockerfile(dockerfile);
  return parsed.ok ? maskFindings(dockerfile, scanForSecrets(parsed.instructions)) : dockerfile;
}

/** Replaces every secret value in a log text with ****. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  // A multi-line secret (a private key) is masked line by line: logs show it that way.
  const parts = secrets.flatMap((secret) => secret.split('\n').map((line) => line.trim()));
  let masked = text;
  for (const part of [...new Set(parts)].sort((a, b) => b.length - a.length)) {
    if (part.length >= 4) masked = masked.split(part).join('****');
  }
  return masked;
}

function lineOf(instruction: DockerfileInstruction, offset = 0): number {
  const before = instruction.source.join('\n').slice(0, offset);
  return instruction.line + (before.match(/\n/g)?.length ?? 0);
}

/** The variables an ENV or ARG sets: `KEY=value` pairs, or ENV's older `KEY value` form. */
function variablesOf(instruction: DockerfileInstruction): { name: string; value: string; context: string }[] {
  const args = instruction.args;
  const legacy = /^([A-Za-z_][A-Za-z0-9_.-]*)\s+(\S[\s\S]*)$/.exec(args);
  if (instruction.keyword === 'ENV' && legacy && !legacy[1].includes('=') && !/^[^\s]*=/.test(args)) {
    return [{ name: legacy[1], value: unquote(legacy[2].trim()), context: args }];
  }
  return [...args.matchAll(VARIABLE_PAIR)].map((match) => ({
    name: match[1],
    value: unquote(match[2]),
    context: match[0].trim(),
  }));
}

function unquote(value: string): string {
  if (/^"[\s\S]*"$/.test(value) && value.length >= 2) return value.slice(1, -1).replace(/\\(.)/g, '$1');
  if (/^'[\s\S]*'$/.test(value) && value.length >= 2) return value.slice(1, -1);
  return value.replace(/\\(.)/g, '$1');
}

function isSecretName(name: string): boolean {
  const upper = name.toUpperCase().replace(/[.-]/g, '_');
  return SECRET_NAME.test(upper) && !NOT_A_SECRET_NAME.test(upper);
}

/** A value written out: not empty, not a $REFERENCE (resolved at build time), not a placeholder. */
function isLiteral(value: string | undefined): value is string {
  return !!value && !value.includes('$') && !PLACEHOLDER.test(value);
}

/** Where a secret lives (`/run/secrets/db`), not the secret. */
function looksLikePath(value: string): boolean {
  return /^(\/|\.\/|~\/)[^\s]*$/.test(value);
}
