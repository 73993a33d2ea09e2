import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { Actions, type Caller } from '@stagecraft/authz';
import {
  buildableProblem,
  BuildDownloadUrlRequest,
  CreatePackageUploadRequest,
  type HttpHeaderDto,
  ListPackagesRequest,
  PackageDownloadDto,
  PackageError,
  PackageErrorReason,
  type PackageSource,
  PackageUploadDto,
  PageDto,
  RebuildGrantRequest,
  RegisterObsPackageRequest,
  type ServiceError,
  SoftwarePackageDto,
  UploadTargetDto,
} from '@stagecraft/contracts';

import { ArtifactsConfig } from '../config';
import { SECRET_BOX } from '../obs-credentials/obs-credentials.service';
import type { ObjectHead } from '../storage/s3-store';
import { Clock } from './domain/clock';
import {
  bucketProblem,
  check,
  declaredSha256Problem,
  declaredSizeProblem,
  invalidField,
  objectKeyProblem,
  packageNameProblem,
  packageVersionProblem,
} from './domain/package.rules';
import { PackageInspector } from './domain/package-inspector';
import { type ObjectStore, PackageStorage } from './domain/package-storage';
import { PackageUsage } from './domain/package-usage';
import { type PackageVerdict, rejected, verdictOf } from './domain/package-verdict';
import { ProjectScope } from './domain/project-scope';
import { type SoftwarePackageFields, SoftwarePackages } from './domain/software-packages';
import { type GrantSealer, openGrant, sealGrant } from './download-grant';
import type { SoftwarePackageEntity } from './infra/software-package.entity';
import type { StoredPackage } from './inspection';
import { toSoftwarePackageDto } from './software-package.mapper';
import { rethrowStorage } from './storage-failure';

/** S3 refuses presigned URLs valid for more than a week. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Where a package's bytes are, and what its user said they are. */
type PackageObject = Pick<SoftwarePackageFields, 'bucket' | 'objectKey' | 'declaredTechStack'> &
  Partial<Pick<SoftwarePackageFields, 'declaredSha256'>>;

@Injectable()
export class PackagesService {
  private readonly logger = new Logger('PackagesService');

  constructor(
    private readonly packages: SoftwarePackages,
    private readonly storage: PackageStorage,
    private readonly inspector: PackageInspector,
    private readonly usage: PackageUsage,
    private readonly scope: ProjectScope,
    @Inject(SECRET_BOX) private readonly secrets: GrantSealer,
    private readonly config: ArtifactsConfig,
    private readonly clock: Clock,
  ) {}

  async createUpload(caller: Caller, request: CreatePackageUploadRequest): Promise<PackageUploadDto> {
    check('name', packageNameProblem(request.name));
    check('version', packageVersionProblem(request.version));
    if (request.sizeBytes && request.sizeBytes > this.config.PACKAGE_MAX_BYTES) {
      throw new PackageError(
        PackageErrorReason.TOO_LARGE,
        `sizeBytes exceeds the limit of ${this.config.PACKAGE_MAX_BYTES} bytes`,
        'sizeBytes',
      );
    }
    if (request.sha256) check('sha256', declaredSha256Problem(request.sha256));
    const id = randomUUID();
    let bucket = this.config.S3_BUCKET;
    let objectKey = `packages/${caller.accountId}/${id}`;
    if (request.source === 'OBS') {
      if (!request.bucket) throw invalidField('bucket', 'bucket is required for OBS packages');
      check('bucket', bucketProblem(request.bucket));
      bucket = request.bucket;
      objectKey = `stagecraft/${request.name}/${request.version}/${id}`;
    }
    const store = await this.storeFor(caller.accountId, request.source);
    const enterpriseProjectId = await this.scope.forCreate(caller, request.enterpriseProjectId, Actions.package.create);
    const pkg = await this.insert({
      id,
      accountId: caller.accountId,
      enterpriseProjectId,
      name: request.name,
      version: request.version,
      source: request.source,
      bucket,
      objectKey,
      ownsObject: true,
      declaredTechStack: request.techStack ?? null,
      techStack: null,
      sizeBytes: null,
      declaredSizeBytes: request.sizeBytes ?? null,
      sha256: null,
      declaredSha256: request.sha256?.toLowerCase() ?? null,
      verification: null,
      status: 'PENDING_UPLOAD',
      rejectionReason: null,
      verifyingSince: null,
      createdBy: caller.userId,
    });
    const upload = await this.presign(store, pkg, request.sizeBytes ?? undefined);
    return {
      package: toSoftwarePackageDto(pkg),
      uploadUrl: upload.url,
      uploadHeaders: headerList(upload.headers),
      expiresAt: upload.expiresAt.toISOString(),
    };
  }

  /**
   * Size, sha256 and tech stack, then READY or REJECTED. The sha256 is the store's where it
   * verified the one declared at createUpload (then only what detection needs is read), else
   * the service reads and hashes every byte once.
   */
  async completeUpload(caller: Caller, id: string): Promise<SoftwarePackageDto> {
    const pkg = await this.visible(caller, id);
    this.requireRight(caller, Actions.package.create, pkg);
    requirePendingUpload(pkg);
    if (!(await this.packages.claimVerification(pkg.id))) throw busy('the package is being verified by another request');
    try {
      const store = await this.storeFor(caller.accountId, pkg.source);
      const head = await store.head(pkg.bucket, pkg.objectKey).catch(rethrowStorage('id'));
      if (!head) {
        throw new PackageError(PackageErrorReason.NOTHING_UPLOADED, 'nothing has been uploaded for this package yet', 'id');
      }
      // The embedded S3 does not enforce a size-bound URL, so the declared size is held to here.
      const sizeMismatch = declaredSizeProblem(head.sizeBytes, pkg.declaredSizeBytes);
      const verdict = sizeMismatch ? rejected(head.sizeBytes, null, sizeMismatch) : await this.inspect(store, pkg, head);
      Object.assign(pkg, verdict, { verifyingSince: null });
      if (verdict.status === 'REJECTED') {
        // Bytes that are no usable package are not kept; the row says why.
        await store
          .delete(pkg.bucket, pkg.objectKey)
          .catch((error: unknown) => this.logger.warn(`could not delete a rejected package's object: ${String(error)}`));
      }
      return toSoftwarePackageDto(await this.packages.saveVerdict(pkg));
    } catch (error) {
      await this.packages.releaseVerification(pkg.id);
      throw error;
    }
  }

  /** Registers an object that already is in one of the account's OBS buckets, after the same checks. */
  async registerObs(caller: Caller, request: RegisterObsPackageRequest): Promise<SoftwarePackageDto> {
    check('name', packageNameProblem(request.name));
    check('version', packageVersionProblem(request.version));
    check('bucket', bucketProblem(request.bucket));
    check('objectKey', objectKeyProblem(request.objectKey));
    const store = await this.storeFor(caller.accountId, 'OBS');
    const enterpriseProjectId = await this.scope.forCreate(caller, request.enterpriseProjectId, Actions.package.create);
    // Asked before the object is read; the insert below still decides a race.
    if (await this.packages.isNameVersionTaken(caller.accountId, 'OBS', request.name, request.version)) {
      throw nameVersionTaken(request.name, request.version);
    }
    const head = await store.head(request.bucket, request.objectKey).catch(rethrowStorage('bucket'));
    if (!head) {
      throw new PackageError(
        PackageErrorReason.OBJECT_NOT_FOUND,
        `bucket ${request.bucket} holds no object ${request.objectKey}`,
        'objectKey',
      );
    }
    const object: PackageObject = {
      bucket: request.bucket,
      objectKey: request.objectKey,
      declaredTechStack: request.techStack ?? null,
    };
    const verdict = await this.inspect(store, object, head);
    if (verdict.status === 'REJECTED') {
      throw new PackageError(
        PackageErrorReason.CONTENT_REJECTED,
        verdict.rejectionReason ?? 'the object is not a usable package',
        'objectKey',
      );
    }
    const pkg = await this.insert({
      id: randomUUID(),
      accountId: caller.accountId,
      enterpriseProjectId,
      name: request.name,
      version: request.version,
      source: 'OBS',
      ...object,
      // The object is the user's: deleting the package keeps it.
      ownsObject: false,
      declaredSizeBytes: null,
      declaredSha256: null,
      verifyingSince: null,
      createdBy: caller.userId,
      ...verdict,
    });
    return toSoftwarePackageDto(pkg);
  }

  async uploadTarget(caller: Caller, id: string, sizeBytes: number): Promise<UploadTargetDto> {
    const pkg = await this.visible(caller, id);
    this.requireRight(caller, Actions.package.create, pkg);
    requirePendingUpload(pkg);
    if (sizeBytes > this.config.PACKAGE_MAX_BYTES) {
      throw new PackageError(
        PackageErrorReason.TOO_LARGE,
        `the package is larger than the limit of ${this.config.PACKAGE_MAX_BYTES} bytes`,
        'sizeBytes',
      );
    }
    check('sizeBytes', declaredSizeProblem(sizeBytes, pkg.declaredSizeBytes));
    const upload = await this.presign(await this.storeFor(caller.accountId, pkg.source), pkg, sizeBytes);
    return { url: upload.url, headers: headerList(upload.headers), expiresAt: upload.expiresAt.toISOString() };
  }

  /** Where a build fetches a READY package from, for as long as the build may need. */
  async downloadUrl(caller: Caller, id: string, ttlSeconds: number): Promise<PackageDownloadDto> {
    const pkg = await this.visible(caller, id);
    const problem = buildableProblem({ status: pkg.status, sha256: pkg.sha256, sizeBytes: pkg.sizeBytes });
    if (problem) throw new PackageError(PackageErrorReason.PACKAGE_NOT_READY, problem, 'id');
    // buildableProblem answered null only because both are there.
    const sha256 = pkg.sha256!;
    const sizeBytes = pkg.sizeBytes!;
    const store = await this.storeFor(caller.accountId, pkg.source);
    const download = await store
      .presignGet(pkg.bucket, pkg.objectKey, Math.min(ttlSeconds, MAX_PRESIGN_SECONDS))
      .catch(rethrowStorage('id'));
    const expiresAt = download.expiresAt.toISOString();
    const grant = sealGrant(this.secrets, { accountId: pkg.accountId, packageId: pkg.id, sha256, expiresAt });
    return { url: download.url, expiresAt, sha256, sizeBytes, grant };
  }

  /**
   * A fresh URL when a queued build starts running, for the grant downloadUrl sealed for a user
   * allowed to read the package then (the URL is made now, so it names storage as it is now).
   */
  async buildDownloadUrl(request: BuildDownloadUrlRequest): Promise<PackageDownloadDto> {
    const grant = openGrant(this.secrets, request.grant);
    if (Date.parse(grant.expiresAt) < this.clock.now().getTime()) {
      throw new PackageError(PackageErrorReason.GRANT_INVALID, 'the download grant has expired');
    }
    const pkg = await this.packages.findInAccount(grant.packageId, grant.accountId);
    if (!pkg || pkg.deletingSince) throw packageNotFound();
    if (pkg.status !== 'READY' || pkg.sha256 !== grant.sha256 || pkg.sizeBytes === null) {
      throw new PackageError(
        PackageErrorReason.PACKAGE_CHANGED,
        'the package is no longer the one the build was queued with',
        'id',
      );
    }
    const store = await this.storeFor(pkg.accountId, pkg.source);
    const grantSecondsLeft = Math.ceil((Date.parse(grant.expiresAt) - this.clock.now().getTime()) / 1000);
    const ttl = Math.min(request.ttlSeconds, grantSecondsLeft, MAX_PRESIGN_SECONDS);
    const download = await store.presignGet(pkg.bucket, pkg.objectKey, Math.max(ttl, 60)).catch(rethrowStorage('id'));
    return { url: download.url, expiresAt: download.expiresAt.toISOString(), sha256: pkg.sha256, sizeBytes: pkg.sizeBytes };
  }

  /**
   * A grant for a build the platform starts on its own (a base image changed), for the builds
   * service only: the package must still be READY with the bytes the job's last build used.
   */
  async rebuildGrant(request: RebuildGrantRequest): Promise<{ grant: string; sha256: string }> {
    const pkg = await this.packages.findInAccount(request.packageId, request.accountId);
    if (!pkg || pkg.deletingSince) throw packageNotFound();
    if (pkg.status !== 'READY' || pkg.sha256 !== request.sha256)
      throw new PackageError(PackageErrorReason.PACKAGE_CHANGED, 'the package is no longer the one the last build used', 'id');
    const expiresAt = new Date(
      this.clock.now().getTime() + Math.min(request.ttlSeconds, MAX_PRESIGN_SECONDS) * 1000,
    ).toISOString();
    return {
      grant: sealGrant(this.secrets, { accountId: pkg.accountId, packageId: pkg.id, sha256: pkg.sha256, expiresAt }),
      sha256: pkg.sha256,
    };
  }

  /**
   * Races with job creation are decided by a tombstone (docs/package-jobs.md#races): it is
   * committed before jobs is asked for the package's usage, and jobs checks the package again
   * after storing a job, so one of the two always sees the other.
   */
  async delete(caller: Caller, id: string): Promise<{ id: string }> {
    const pkg = await this.visible(caller, id, { deleting: true });
    this.requireRight(caller, Actions.package.delete, pkg);
    const claim = await this.packages.claimDeletion(pkg.id);
    if (!claim) throw busy('the package is being deleted by another request');
    try {
      const jobCount = await this.usage.jobCount(caller, pkg);
      if (jobCount > 0) {
        throw new PackageError(
          PackageErrorReason.PACKAGE_IN_USE,
          `the package is used by ${jobCount} package job(s); change or delete them first`,
          'id',
        );
      }
      if (pkg.ownsObject) {
        const store = await this.storeFor(caller.accountId, pkg.source);
        // The object goes first: if storage is down, the package stays and the call can be repeated.
        await store.delete(pkg.bucket, pkg.objectKey).catch(rethrowStorage('id'));
      }
    } catch (error) {
      await this.packages.releaseDeletion(pkg.id, claim);
      throw error;
    }
    if (!(await this.packages.deleteClaimed(pkg.id, claim))) throw busy('the package was being deleted by another request');
    return { id };
  }

  async get(caller: Caller, id: string): Promise<SoftwarePackageDto> {
    return toSoftwarePackageDto(await this.visible(caller, id));
  }

  async list(caller: Caller, request: ListPackagesRequest): Promise<PageDto<SoftwarePackageDto>> {
    const page = await this.packages.page(caller, request);
    return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toSoftwarePackageDto(edge.node) })) };
  }

  /**
   * Another project's package answers exactly as a missing one; so does one being deleted, but
   * to a deletion (which may finish what a dead request left).
   */
  private async visible(caller: Caller, id: string, options: { deleting?: boolean } = {}): Promise<SoftwarePackageEntity> {
    const pkg = await this.packages.findInAccount(id, caller.accountId);
    if (!pkg || !caller.can(Actions.package.get, pkg.enterpriseProjectId) || (pkg.deletingSince && !options.deleting))
      throw packageNotFound();
    return pkg;
  }

  private requireRight(caller: Caller, action: string, pkg: SoftwarePackageEntity): void {
    if (!caller.can(action, pkg.enterpriseProjectId)) {
      throw new PackageError(PackageErrorReason.ACTION_DENIED, `${action} is not allowed in this enterprise project`);
    }
  }

  private async storeFor(accountId: string, source: PackageSource): Promise<ObjectStore> {
    const store = await this.storage.storeFor(accountId, source);
    if (!store) {
      throw new PackageError(
        PackageErrorReason.OBS_NOT_CONFIGURED,
        'this account has no OBS credentials: an administrator sets them with configureObsCredentials',
        'bucket',
      );
    }
    return store;
  }

  private async presign(store: ObjectStore, object: PackageObject, contentLength?: number) {
    return store
      .presignPut(object.bucket, object.objectKey, {
        expiresInSeconds: this.config.UPLOAD_URL_TTL_SECONDS,
        contentLength,
        sha256: object.declaredSha256 ?? undefined,
      })
      .catch(rethrowStorage('bucket'));
  }

  private async inspect(store: ObjectStore, object: PackageObject, head: ObjectHead): Promise<PackageVerdict> {
    if (head.sizeBytes > this.config.PACKAGE_MAX_BYTES) {
      return rejected(
        head.sizeBytes,
        null,
        `the package is ${head.sizeBytes} bytes, larger than the limit of ${this.config.PACKAGE_MAX_BYTES} bytes`,
      );
    }
    const declared = object.declaredTechStack ?? undefined;
    const stored = storedObject(store, object, head.sizeBytes);
    const vouched = await this.storeVouchedSha256(store, object, head);
    if (vouched) return verdictOf(await this.inspector.inspectStored(stored, vouched, declared), 'STORE_CHECKSUM');
    return verdictOf(await this.inspector.inspect(await stored.stream(), declared), 'FULL_READ');
  }

  /**
   * The object's sha256 when the store vouches for it: the store refuses wrong checksums (asked
   * once per bucket) and holds one for the whole object, equal to what the client declared if it
   * declared one. Otherwise null, and the service reads every byte itself.
   */
  private async storeVouchedSha256(store: ObjectStore, object: PackageObject, head: ObjectHead): Promise<string | null> {
    const declared = object.declaredSha256 ?? null;
    if (!head.sha256 || (declared !== null && head.sha256 !== declared)) return null;
    return (await store.verifiesChecksums(object.bucket)) ? head.sha256 : null;
  }

  private async insert(fields: SoftwarePackageFields): Promise<SoftwarePackageEntity> {
    const pkg = await this.packages.insert(fields);
    if (pkg === 'name-version-taken') throw nameVersionTaken(fields.name, fields.version);
    return pkg;
  }
}

/** A stored object read by ranges, or whole when the inspection needs every byte. */
function storedObject(store: ObjectStore, object: PackageObject, size: number): StoredPackage {
  return {
    size,
    read: (start, length) => store.readRange(object.bucket, object.objectKey, start, length).catch(rethrowStorage('id')),
    stream: () => store.read(object.bucket, object.objectKey).catch(rethrowStorage('id')),
  };
}

function headerList(headers: Record<string, string>): HttpHeaderDto[] {
  return Object.entries(headers).map(([name, value]) => ({ name, value }));
}

function requirePendingUpload(pkg: SoftwarePackageEntity): void {
  if (pkg.status !== 'PENDING_UPLOAD') {
    throw new PackageError(PackageErrorReason.NOT_PENDING_UPLOAD, `the package is already ${pkg.status}`, 'id');
  }
}

function nameVersionTaken(name: string, version: string): ServiceError {
  return new PackageError(
    PackageErrorReason.NAME_VERSION_TAKEN,
    `a package ${name} ${version} already exists in this repository`,
    'name',
  );
}

function packageNotFound(): ServiceError {
  return new PackageError(PackageErrorReason.PACKAGE_NOT_FOUND, 'software package not found');
}

/** Another request holds the package (a verification or a deletion); trying again later may work. */
function busy(message: string): ServiceError {
  return new PackageError(PackageErrorReason.BUSY, message, 'id');
}
