import type { TechStack } from '../common/tech-stack';

export const PACKAGE_SOURCES = ['SWR', 'OBS'] as const;
export type PackageSource = (typeof PACKAGE_SOURCES)[number];
export const PACKAGE_STATUSES = ['PENDING_UPLOAD', 'READY', 'REJECTED'] as const;
export type PackageStatus = (typeof PACKAGE_STATUSES)[number];
/**
 * Who vouched for a package's sha256: the object store, which verified the checksum the client
 * declared as the bytes arrived (the service then read only what detection needs), or the
 * service itself, by reading and hashing every byte (stores that verify no checksums).
 */
export const PACKAGE_VERIFICATIONS = ['STORE_CHECKSUM', 'FULL_READ'] as const;
export type PackageVerification = (typeof PACKAGE_VERIFICATIONS)[number];

export interface SoftwarePackageDto {
  id: string;
  accountId: string;
  enterpriseProjectId: string;
  name: string;
  version: string;
  source: PackageSource;
  /** OBS only: the bucket holding the object. */
  bucket: string | null;
  objectKey: string;
  /** Detected from the contents (or declared, then checked) once the bytes were read. */
  techStack: TechStack | null;
  sizeBytes: number | null;
  sha256: string | null;
  /** How sha256 was established; null until the bytes were verified. */
  verification: PackageVerification | null;
  status: PackageStatus;
  /** Why the package was REJECTED. */
  rejectionReason: string | null;
  createdBy: string;
  createdAt: string;
}

/** A header the PUT to a presigned URL must carry, because it is part of the signature. */
export interface HttpHeaderDto {
  name: string;
  value: string;
}

export interface PackageUploadDto {
  package: SoftwarePackageDto;
  uploadUrl: string;
  /** Send these with the PUT (the declared sha256, for the store to verify). */
  uploadHeaders: HttpHeaderDto[];
  expiresAt: string;
}

/** Where the gateway streams bytes it received itself (PUT /packages/:id/content). */
export interface UploadTargetDto {
  url: string;
  headers: HttpHeaderDto[];
  expiresAt: string;
}

export interface ObsCredentialsDto {
  endpoint: string;
  region: string;
  accessKeyId: string;
  updatedAt: string;
}

export interface PackageDownloadDto {
  url: string;
  expiresAt: string;
  sha256: string;
  sizeBytes: number;
  /**
   * Sealed by artifacts, valid as long as the URL: exchanged later for a fresh URL
   * (artifacts.packages.build-download-url.v1) when the build starts running.
   */
  grant?: string;
}
