/**
 * The package job's rules the console checks as the user types (docs/package-jobs.md). The
 * jobs service checks them again, with the rest; its refusal lands on the field it names.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export function nameProblem(name: string): string | null {
  if (name.length < 1 || name.length > 64) return 'The name must be 1 to 64 characters.';
  if (!NAME.test(name)) return 'The name must start with a letter or digit and use only letters, digits, _ and -.';
  return null;
}

export const DESCRIPTION_MAX = 64;

export function descriptionProblem(description: string): string | null {
  return description.length > DESCRIPTION_MAX ? `The description must be at most ${DESCRIPTION_MAX} characters.` : null;
}

export function archiveImageProblem(reference: string): string | null {
  if (reference.length === 0) return 'Give the image address to push to, e.g. registry.example.com/team/app:1.0.';
  if (/\s/.test(reference)) return 'An image address has no white space.';
  const repository = reference.split('@')[0]!.replace(/:[^/:]*$/, '');
  if (repository !== repository.toLowerCase()) return 'The repository part of an image address is lower case.';
  return null;
}

/** `nodeLabels[1].key` → `nodeLabels`: the control a server-named field belongs to. */
export function controlOf(field: string | undefined): string | undefined {
  return field?.replace(/\[.*$/, '').replace(/\..*$/, '');
}
