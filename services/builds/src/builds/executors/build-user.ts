import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The unprivileged user that runs the steps of tenants' Dockerfiles on a LOCAL cluster. */
export interface BuildUser {
  name: string;
  uid: number;
  gid: number;
}

/** Dockerfile builds cannot be sealed off on this machine; the message says what is missing. */
export class SandboxUnavailableError extends Error {
  override readonly name = 'SandboxUnavailableError';
}

/** Where system tools live even when the service's PATH leaves out the sbin folders. */
const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of `name` (PATH first, then the system folders), or null. An absolute `name` is checked as is. */
export async function findExecutable(name: string): Promise<string | null> {
  const candidates = name.includes('/')
    ? [name]
    : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SYSTEM_PATH].map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Makes sure the build user exists: created once with `useradd --create-home` (which also gives
 * it subordinate uid and gid ranges in /etc/subuid and /etc/subgid, needed by rootless buildah),
 * and never root. Checks that `newuidmap` and `newgidmap` (Debian package `uidmap`) are there to
 * map those ranges. Only root can do this; any other caller gets a SandboxUnavailableError, as
 * does a machine that lacks a piece.
 */
export async function ensureBuildUser(name: string, binaries: { useradd?: string } = {}): Promise<BuildUser> {
  if (process.getuid?.() !== 0)
    throw new SandboxUnavailableError(
      `the builds service does not run as root, so it cannot run Dockerfile steps as the unprivileged build user ${name} in a network namespace of their own`,
    );
  let user = await lookupUser(name);
  if (!user) {
    const useradd = await findExecutable(binaries.useradd ?? 'useradd');
    if (!useradd) throw new SandboxUnavailableError(`the build user ${name} does not exist, and useradd is missing to create it`);
    try {
      await exec(useradd, ['--create-home', '--shell', '/usr/sbin/nologin', '--comment', 'Stagecraft Dockerfile builds', name]);
    } catch (error) {
      // Exit code 9: another build created it meanwhile.
      if ((error as { code?: unknown }).code !== 9)
        throw new SandboxUnavailableError(`the build user ${name} could not be created: ${(error as Error).message}`);
    }
    user = await lookupUser(name);
    if (!user) throw new SandboxUnavailableError(`the build user ${name} was created but cannot be found`);
  }
  if (user.uid === 0 || user.gid === 0)
    throw new SandboxUnavailableError(`the build user ${name} must not be root or in group root`);
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    if (!(await hasSubordinateRange(file, user)))
      throw new SandboxUnavailableError(
        `the build user ${name} has no range in ${file} (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${name})`,
      );
  }
  for (const tool of ['newuidmap', 'newgidmap']) {
    if (!(await findExecutable(tool)))
      throw new SandboxUnavailableError(`${tool} is missing (Debian: apt-get install uidmap); rootless buildah needs it`);
  }
  return user;
}

async function lookupUser(name: string): Promise<BuildUser | null> {
  let line: string;
  try {
    line = (await exec('getent', ['passwd', name])).trim();
  } catch (error) {
    if ((error as { code?: unknown }).code === 2) return null; // no such key
    throw new SandboxUnavailableError(`the build user ${name} could not be looked up: ${(error as Error).message}`);
  }
  const [, , uid, gid] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid) };
}

async function hasSubordinateRange(file: string, user: BuildUser): Promise<boolean> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').some((line) => {
    const [owner, , count] = line.split(':');
    return (owner === user.name || owner === String(user.uid)) && Number(count) > 0;
  });
}

function exec(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const failure = new Error(stderr.trim().split('\n').pop() || error.message) as Error & { code?: unknown };
        failure.code = error.code;
        reject(failure);
      } else resolve(stdout);
    });
  });
}
