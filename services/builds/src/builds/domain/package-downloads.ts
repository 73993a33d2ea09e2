import type { Caller } from '@stagecraft/authz';

/** What a queued build keeps of its package: the bytes it must be, and what its URL is asked for with later. */
export interface PackageGrant {
  sha256: string;
  /** Sealed by artifacts, exchanged for the package's URL when the build starts running. */
  grant: string | null;
}

/** The artifacts service as the builds use cases need it. */
export abstract class PackageDownloads {
  /** The caller's right to download the package, valid for `ttlSeconds`. */
  abstract grant(caller: Caller, packageId: string, ttlSeconds: number): Promise<PackageGrant>;
}
