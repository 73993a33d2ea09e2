import { chmod, copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { sniffArchiveFile } from '@stagecraft/archive';
import type { TechStack } from '@stagecraft/contracts';

export interface BuildContextRequest {
  /** The user's Dockerfile, written as `Dockerfile` at the context's root. */
  dockerfile: string;
  /** The downloaded package. */
  packageFile: string;
  techStack: TechStack;
  /** Rename the package into the context instead of copying it (same filesystem, the file is not needed elsewhere). */
  move?: boolean;
}

export interface BuildContext {
  dockerfilePath: string;
  /** The package's name in the context, which the user's Dockerfile `COPY`s. */
  packageFileName: string;
}

/**
 * Lays out the Docker build context of a CUSTOM_DOCKERFILE build, the same for buildah (LOCAL)
 * and BuildKit (Kubernetes): `Dockerfile` and the package as `package.jar` (JAVA), `package.war`
 * (TOMCAT), or `package.zip`, `package.tgz` or `package.tar` after its format.
 */
export async function prepareBuildContext(dir: string, request: BuildContextRequest): Promise<BuildContext> {
  await mkdir(dir, { recursive: true });
  const dockerfilePath = join(dir, 'Dockerfile');
  await writeFile(dockerfilePath, request.dockerfile);
  const packageFileName = await contextPackageName(request.packageFile, request.techStack);
  const packagePath = join(dir, packageFileName);
  await (request.move ? rename : copyFile)(request.packageFile, packagePath);
  // Readable by the builder whatever the umask: rootless BuildKit runs as another user than `fetch`.
  await Promise.all([chmod(dockerfilePath, 0o644), chmod(packagePath, 0o644)]);
  return { dockerfilePath, packageFileName };
}

async function contextPackageName(packageFile: string, techStack: TechStack): Promise<string> {
  if (techStack === 'JAVA') return 'package.jar';
  if (techStack === 'TOMCAT') return 'package.war';
  const format = await sniffArchiveFile(packageFile);
  return format === 'tar.gz' ? 'package.tgz' : format === 'tar' ? 'package.tar' : 'package.zip';
}
