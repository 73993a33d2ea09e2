import type { GuardedKind } from '../archive-guard';

/** tar-stream's entry types as the guard sees them; anything but files, folders and links is special. */
export function tarKind(type: string | null | undefined): GuardedKind {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'special';
  }
}
