/**
 * Subject and stream-name helpers shared by the stream, relay and consumer code.
 *
 * Every installation (and every test run) carries a subject prefix such as `t1a2b3c.`; it is
 * prepended to subjects and, sanitized, to stream names, so runs sharing one NATS server never
 * share a subject or a stream.
 */

const STREAM_NAME = /^[A-Za-z0-9_-]+$/;

/** `prefix + subject`, the same rule as `NatsRpcClient.qualify`. */
export function qualifySubject(prefix: string, subject: string): string {
  return `${prefix}${subject}`;
}

/** The subject without the installation prefix (unchanged when it does not carry it). */
export function unqualifySubject(prefix: string, subject: string): string {
  return prefix && subject.startsWith(prefix) ? subject.slice(prefix.length) : subject;
}

/**
 * The stream's real name: the prefix with every character a stream name cannot hold (dots,
 * wildcards, whitespace, slashes) replaced by `_`, then the logical name. `t1a2.` + `BUILD_EVENTS`
 * → `t1a2_BUILD_EVENTS`.
 */
export function qualifyStreamName(prefix: string, name: string): string {
  if (!STREAM_NAME.test(name)) {
    throw new Error(`invalid stream name "${name}": use only letters, digits, "_" and "-"`);
  }
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}${name}`;
}

/** NATS subject matching with `*` (one token) and `>` (one or more trailing tokens). */
export function subjectMatches(filter: string, subject: string): boolean {
  return subjectTokensMatch(filter.split('.'), subject.split('.'));
}

/** `subjectMatches` on subjects already split at their dots (to split each only once). */
export function subjectTokensMatch(filter: readonly string[], subject: readonly string[]): boolean {
  for (let i = 0; i < filter.length; i++) {
    if (filter[i] === '>') return subject.length > i;
    if (i >= subject.length) return false;
    if (filter[i] !== '*' && filter[i] !== subject[i]) return false;
  }
  return filter.length === subject.length;
}

/** True when the server is at least `major.minor` (from the INFO it sent on connect). */
export function serverAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  if (!match) return false;
  const [ma, mi] = [Number(match[1]), Number(match[2])];
  return ma > major || (ma === major && mi >= minor);
}
