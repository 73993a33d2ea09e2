import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * `skopeo inspect --tls-verify=false docker://REF` with `--raw` or `--config` as asked, parsed.
 * A real, independent OCI client: what it reads is what `docker pull` would read.
 */
export async function skopeoInspect(
  reference: string,
  options: { raw?: boolean; config?: boolean; creds?: { username: string; password: string } } = {},
): Promise<Record<string, unknown>> {
  const args = ['inspect', '--tls-verify=false'];
  if (options.raw) args.push('--raw');
  if (options.config) args.push('--config');
  if (options.creds) args.push('--creds', `${options.creds.username}:${options.creds.password}`);
  args.push(`docker://${reference}`);
  const { stdout } = await run('skopeo', args, { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Record<string, unknown>;
}
