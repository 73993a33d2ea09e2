import type { DockerfileInstruction } from './dockerfile.parser';

export interface SecretFinding {
  line: number;
  kind: 'private-key' | 'cloud-access-key' | 'password-literal' | 'token';
  message: string;
  /** The value itself, for masking build logs; never shown to anyone. */
  value: string;
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
      if (/^(true|false|null|none|changeme)$/i.test(value)) continue;
      add({
        line: lineOf(instruction, match.index),
        kind: 'password-literal',
        message: `${match[1]} is given a literal value`,
        value,
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
