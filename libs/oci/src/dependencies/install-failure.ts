import { DependencyError } from './dependency.errors';
import type { DependencyTool } from './dependency-plan';

/** What npm, pip (urllib3, requests) and the build's registry proxy say when the registry cannot be reached. */
const UNREACHABLE = [
  /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH)\b/,
  /network request to .* failed/i,
  /Failed to establish a new connection/i,
  /NewConnectionError|ConnectTimeoutError|ProxyError|Max retries exceeded/,
  /Temporary failure in name resolution|Name or service not known/i,
  /Could not fetch URL .*(connection|timed out|proxy)/i,
  /stagecraft: the package registry .* could not be reached/,
];
const TAIL_LINES = 25;
const TAIL_CHARS = 3000;

/** The registry URL for messages and logs: without a user name or password it may carry. */
export function displayRegistryUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return '(an invalid URL)';
  }
}

/**
 * Why an install exited non-zero, from the last lines it wrote: the registry could not be reached
 * (DEPENDENCY_REGISTRY_UNREACHABLE, naming it), or the install itself failed
 * (DEPENDENCY_INSTALL_FAILED, with the tail of its output: npm's or pip's own explanation).
 */
export function classifyInstallFailure(
  tool: DependencyTool,
  output: readonly string[],
  registryUrl: string,
  exit: string,
): DependencyError {
  const lines = output.map((line) => line.trimEnd()).filter(Boolean);
  const registry = displayRegistryUrl(registryUrl);
  const unreachable = lines.find((line) => UNREACHABLE.some((pattern) => pattern.test(line)));
  if (unreachable)
    return new DependencyError(
      'DEPENDENCY_REGISTRY_UNREACHABLE',
      `the package registry ${registry} could not be reached from the build (${tool}: ${unreachable.trim().slice(0, 300)})`,
    );
  let tail = lines.slice(-TAIL_LINES).join('\n');
  if (tail.length > TAIL_CHARS) tail = `…${tail.slice(-TAIL_CHARS)}`;
  return new DependencyError(
    'DEPENDENCY_INSTALL_FAILED',
    `${tool === 'npm' ? 'npm ci' : 'pip install'} ${exit}${tail ? `:\n${tail}` : ''}`,
  );
}
