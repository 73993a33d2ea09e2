import type { ImageClass } from '@stagecraft/contracts';
import type { RegistryAccess } from '@stagecraft/oci';

/** A repository as the token issuer sees it. Platform repositories (the base images) belong to no project. */
export interface RepositoryRecord {
  name: string;
  /** null for a platform repository. */
  accountId: string | null;
  enterpriseProjectId: string | null;
  imageClass: ImageClass;
}

/** Who asks the token endpoint for access. */
export type RegistryPrincipal =
  | { kind: 'anonymous' }
  /** An IAM user by access key: pulls what `servicestage:image:pull` allows in the repository's project. */
  | { kind: 'user'; id: string; accountId: string; mayPull: (enterpriseProjectId: string) => boolean }
  /** A project's robot account: pulls its own project's repositories, nothing else private. */
  | { kind: 'robot'; id: string; accountId: string; enterpriseProjectId: string }
  /** A running build: pushes (and pulls) its one repository, pulls its project's others. */
  | { kind: 'build'; id: string; accountId: string; enterpriseProjectId: string; repository: string }
  /** The builds service deleting pruned builds' images: deletes in its one repository, which its project owns; nothing else. */
  | { kind: 'prune'; id: string; accountId: string; enterpriseProjectId: string; repository: string };

/** The only actions Stagecraft grants; `delete` only to a pruning credential, `*` to nobody. */
const PULL = 'pull';
const PUSH = 'push';
const DELETE = 'delete';

/**
 * What `principal` gets of `requested` (a scope) on `repository` (null when no build pushed it
 * yet): a subset of the requested actions, possibly empty. The registry then answers 401 or
 * 403 to whatever the token does not name: a refused pull looks the same as a missing image.
 */
export function grantedActions(
  principal: RegistryPrincipal,
  requested: RegistryAccess,
  repository: RepositoryRecord | null,
): string[] {
  if (requested.type !== 'repository') return [];
  const granted = new Set<string>();
  for (const action of requested.actions) {
    if (action === PULL && mayPull(principal, requested.name, repository)) granted.add(PULL);
    if (action === PUSH && mayPush(principal, requested.name, repository)) granted.add(PUSH);
    if (action === DELETE && mayDelete(principal, requested.name, repository)) granted.add(DELETE);
  }
  return [...granted];
}

function mayPull(principal: RegistryPrincipal, name: string, repository: RepositoryRecord | null): boolean {
  if (principal.kind === 'build' && principal.repository === name) return ownedBy(repository, principal) ?? true;
  if (!repository) return false;
  if (repository.imageClass === 'PUBLIC') return true;
  if (!repository.enterpriseProjectId || repository.accountId !== accountOf(principal)) return false;
  switch (principal.kind) {
    case 'anonymous':
      return false;
    case 'user':
      return principal.mayPull(repository.enterpriseProjectId);
    case 'robot':
    case 'build':
      return principal.enterpriseProjectId === repository.enterpriseProjectId;
    case 'prune':
      return false;
  }
}

/** Only a pruning credential, only its own repository, and only while its project owns it. */
function mayDelete(principal: RegistryPrincipal, name: string, repository: RepositoryRecord | null): boolean {
  if (principal.kind !== 'prune' || principal.repository !== name) return false;
  return ownedBy(repository, principal) === true;
}

/** Only a build, only its own repository, and only while no other project owns it. */
function mayPush(principal: RegistryPrincipal, name: string, repository: RepositoryRecord | null): boolean {
  if (principal.kind !== 'build' || principal.repository !== name) return false;
  return ownedBy(repository, principal) ?? true;
}

/** Whether the build's project owns the repository; undefined when nobody does yet. */
function ownedBy(
  repository: RepositoryRecord | null,
  build: { accountId: string; enterpriseProjectId: string },
): boolean | undefined {
  if (!repository) return undefined;
  return repository.accountId === build.accountId && repository.enterpriseProjectId === build.enterpriseProjectId;
}

function accountOf(principal: RegistryPrincipal): string | null {
  return principal.kind === 'anonymous' ? null : principal.accountId;
}
