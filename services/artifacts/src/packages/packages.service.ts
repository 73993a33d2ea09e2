import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { accessibleWhere, Actions, type Caller, EnterpriseProjectScope } from '@stagecraft/authz';
import {
  BuildDownloadUrlRequest,
  CreatePackageUploadRequest,
  ErrorCode,
  JobsSubjects,
  ListPackagesRequest,
  PackageDownloadDto,
  PackageUploadDto,
  PageDto,
  RegisterObsPackageRequest,
  ServiceError,
  SoftwarePackageDto,
  UploadTargetDto,
} from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';
import { archiveLimitsOf } from '@stagecraft/oci';
import { isUniqueViolation } from '@stagecraft/persistence';
import { paginate } from '@stagecraft/persistence';
import { SecretBox } from '@stagecraft/secrets';
import { Repository } from 'typeorm';

import { ArtifactsConfig } from '../config';
import { ObsCredentialsService, SECRET_BOX } from '../obs-credentials/obs-credentials.service';
import { S3Store, StorageError } from '../storage/s3-store';
import { bucketProblem, check, objectKeyProblem, packageNameProblem, packageVersionProblem } from './domain/package.rules';
import { SoftwarePackageEntity } from './infra/software-package.entity';
import { inspectPackage } from './inspection';

export const SWR_STORE = Symbol('SWR_STORE');

/** What a download grant names, sealed with the service's key (the context keeps it from opening as anything else). */
interface DownloadGrant {
  accountId: string;
  packageId: string;
  sha256: string;
  expiresAt: string;
}
const GRANT_CONTEXT = 'package-download-grant';

/** A verification that started longer ago than this was abandoned (its process died). */
const VERIFY_LEASE = "interval '30 minutes'";
/** A deletion that started longer ago than this was abandoned (its process died). */
const DELETION_LEASE = "interval '5 minutes'";

@Injectable()
export class PackagesService {
  private readonly logger = new Logger('PackagesService');

  constructor(
    @InjectRepository(SoftwarePackageEntity) private readonly packages: Repository<SoftwarePackageEntity>,
    @Inject(SWR_STORE) private readonly swr: S3Store,
    private readonly obs: ObsCredentialsService,
    private readonly scope: EnterpriseProjectScope,
    private readonly config: ArtifactsConfig,
    private readonly client: NatsRpcClient,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
  ) {}

  async createUpload(caller: Caller, request: CreatePackageUploadRequest): Promise<PackageUploadDto> {
    check('name', packageNameProblem(request.name));
    check('version', packageVersionProblem(request.version));
    if (request.sizeBytes && request.sizeBytes > this.config.PACKAGE_MAX_BYTES) {
      throw ServiceError.badInput('sizeBytes', `sizeBytes exceeds the limit of ${this.config.PACKAGE_MAX_BYTES} bytes`);
    }
    const id = randomUUID();
    let bucket = this.config.S3_BUCKET;
    let objectKey = `packages/${caller.accountId}/${id}`;
    if (request.source === 'OBS') {
      if (!request.bucket) throw ServiceError.badInput('bucket', 'bucket is required for OBS packages');
      check('bucket', bucketProblem(request.bucket));
      bucket = request.bucket;
      objectKey = `stagecraft/${request.name}/${request.version}/${id}`;
    }
    const store = await this.storeFor(caller, request.source);
    const enterpriseProjectId = await this.scope.forCreate(caller, request.enterpriseProjectId, Actions.package.create);
    const entity = this.packages.create({
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
      status: 'PENDING_UPLOAD',
      rejectionReason: null,
      verifyingSince: null,
      createdBy: caller.userId,
    });
    await this.insert(entity);
    const upload = await this.presign(store, entity, request.sizeBytes ?? undefined);
    return { package: toDto(entity), uploadUrl: upload.url, expiresAt: upload.expiresAt.toISOString() };
  }

  /** Reads the uploaded bytes once: size, sha256 and tech stack, then READY or REJECTED. */
  async completeUpload(caller: Caller, id: string): Promise<SoftwarePackageDto> {
    const entity = await this.visible(caller, id);
    this.requireRight(caller, Actions.package.create, entity);
    if (entity.status !== 'PENDING_UPLOAD') throw ServiceError.conflict(`the package is already ${entity.status}`, 'id');
    await this.claimVerification(entity.id);
    try {
      const store = await this.storeFor(caller, entity.source);
      const head = await store.head(entity.bucket, entity.objectKey).catch(rethrowStorage('id'));
      if (!head) throw ServiceError.conflict('nothing has been uploaded for this package yet', 'id');
      const declared = entity.declaredSizeBytes;
      // The embedded S3 does not enforce a size-bound URL, so the declared size is held to here.
      const result =
        declared !== null && head.sizeBytes !== declared
          ? rejected(head.sizeBytes, null, `the upload is ${head.sizeBytes} bytes, not the declared sizeBytes of ${declared}`)
          : await this.inspect(store, entity, head.sizeBytes);
      Object.assign(entity, result, { verifyingSince: null });
      if (result.status === 'REJECTED') {
        // Bytes that are no usable package are not kept; the row says why.
        await store
          .delete(entity.bucket, entity.objectKey)
          .catch((error: unknown) => this.logger.warn(`could not delete a rejected package's object: ${String(error)}`));
      }
      return toDto(await this.packages.save(entity));
    } catch (error) {
      await this.packages.update({ id: entity.id }, { verifyingSince: null });
      throw error;
    }
  }

  /** Registers an object that already is in one of the account's OBS buckets, after the same checks. */
  async registerObs(caller: Caller, request: RegisterObsPackageRequest): Promise<SoftwarePackageDto> {
    check('name', packageNameProblem(request.name));
    check('version', packageVersionProblem(request.version));
    check('bucket', bucketProblem(request.bucket));
    check('objectKey', objectKeyProblem(request.objectKey));
    const store = await this.storeFor(caller, 'OBS');
    const enterpriseProjectId = await this.scope.forCreate(caller, request.enterpriseProjectId, Actions.package.create);
    await this.assertNameFree(caller.accountId, 'OBS', request.name, request.version);
    const head = await store.head(request.bucket, request.objectKey).catch(rethrowStorage('bucket'));
    if (!head) throw ServiceError.badInput('objectKey', `bucket ${request.bucket} holds no object ${request.objectKey}`);
    const entity = this.packages.create({
      id: randomUUID(),
      accountId: caller.accountId,
      enterpriseProjectId,
      name: request.name,
      version: request.version,
      source: 'OBS',
      bucket: request.bucket,
      objectKey: request.objectKey,
      ownsObject: false,
      declaredTechStack: request.techStack ?? null,
      createdBy: caller.userId,
      verifyingSince: null,
    });
    const result = await this.inspect(store, entity, head.sizeBytes);
    if (result.status === 'REJECTED')
      throw ServiceError.badInput('objectKey', result.rejectionReason ?? 'the object is not a usable package');
    Object.assign(entity, result);
    await this.insert(entity);
    return toDto(entity);
  }

  async uploadTarget(caller: Caller, id: string, sizeBytes: number): Promise<UploadTargetDto> {
    const entity = await this.visible(caller, id);
    this.requireRight(caller, Actions.package.create, entity);
    if (entity.status !== 'PENDING_UPLOAD') throw ServiceError.conflict(`the package is already ${entity.status}`, 'id');
    if (sizeBytes > this.config.PACKAGE_MAX_BYTES) {
      throw ServiceError.badInput('sizeBytes', `the package is larger than the limit of ${this.config.PACKAGE_MAX_BYTES} bytes`);
    }
    if (entity.declaredSizeBytes !== null && sizeBytes !== entity.declaredSizeBytes) {
      throw ServiceError.badInput(
        'sizeBytes',
        `the upload is ${sizeBytes} bytes, not the declared sizeBytes of ${entity.declaredSizeBytes}`,
      );
    }
    const upload = await this.presign(await this.storeFor(caller, entity.source), entity, sizeBytes);
    return { url: upload.url, expiresAt: upload.expiresAt.toISOString() };
  }

  /** Where a build fetches a READY package from, for as long as the build may need. */
  async downloadUrl(caller: Caller, id: string, ttlSeconds: number): Promise<PackageDownloadDto> {
    const entity = await this.visible(caller, id);
    if (entity.status !== 'READY' || !entity.sha256 || entity.sizeBytes === null) {
      throw ServiceError.conflict(`the package is ${entity.status}: only READY packages can be built`, 'id');
    }
    const store = await this.storeFor(caller, entity.source);
    // S3 refuses presigned URLs valid for more than a week.
    const download = await store
      .presignGet(entity.bucket, entity.objectKey, Math.min(ttlSeconds, 7 * 24 * 3600))
      .catch(rethrowStorage('id'));
    const grant: DownloadGrant = {
      accountId: entity.accountId,
      packageId: entity.id,
      sha256: entity.sha256,
      expiresAt: download.expiresAt.toISOString(),
    };
    return {
      url: download.url,
      expiresAt: download.expiresAt.toISOString(),
      sha256: entity.sha256,
      sizeBytes: entity.sizeBytes,
      grant: this.secrets.seal(JSON.stringify(grant), GRANT_CONTEXT),
    };
  }

  /**
   * A fresh URL when a queued build starts running, for the grant downloadUrl sealed for a user
   * allowed to read the package then (the URL is made now, so it names storage as it is now).
   */
  async buildDownloadUrl(request: BuildDownloadUrlRequest): Promise<PackageDownloadDto> {
    let grant: DownloadGrant;
    try {
      grant = JSON.parse(this.secrets.open(request.grant, GRANT_CONTEXT)) as DownloadGrant;
    } catch {
      throw ServiceError.forbidden('the download grant is not one this service issued');
    }
    if (Date.parse(grant.expiresAt) < Date.now()) throw ServiceError.forbidden('the download grant has expired');
    const entity = await this.packages.findOneBy({ id: grant.packageId, accountId: grant.accountId });
    if (!entity || entity.deletingSince) throw ServiceError.notFound('software package');
    if (entity.status !== 'READY' || entity.sha256 !== grant.sha256 || entity.sizeBytes === null) {
      throw ServiceError.conflict('the package is no longer the one the build was queued with', 'id');
    }
    const store = await this.storeFor(entity, entity.source);
    const ttl = Math.min(request.ttlSeconds, Math.ceil((Date.parse(grant.expiresAt) - Date.now()) / 1000), 7 * 24 * 3600);
    const download = await store.presignGet(entity.bucket, entity.objectKey, Math.max(ttl, 60)).catch(rethrowStorage('id'));
    return { url: download.url, expiresAt: download.expiresAt.toISOString(), sha256: entity.sha256, sizeBytes: entity.sizeBytes };
  }

  /**
   * Races with job creation are decided by a tombstone (docs/package-jobs.md#races): it is
   * committed before jobs is asked for the package's usage, and jobs checks the package again
   * after storing a job, so one of the two always sees the other.
   */
  async delete(caller: Caller, id: string): Promise<{ id: string }> {
    const entity = await this.visible(caller, id, { deleting: true });
    this.requireRight(caller, Actions.package.delete, entity);
    const claim = await this.claimDeletion(entity.id);
    try {
      const { jobCount } = await this.client.send(
        JobsSubjects.usage,
        { packageId: id, enterpriseProjectId: entity.enterpriseProjectId },
        caller.meta,
      );
      if (jobCount > 0)
        throw ServiceError.conflict(`the package is used by ${jobCount} package job(s); change or delete them first`, 'id');
      if (entity.ownsObject) {
        const store = await this.storeFor(caller, entity.source);
        // The object goes first: if storage is down, the package stays and the call can be repeated.
        await store.delete(entity.bucket, entity.objectKey).catch(rethrowStorage('id'));
      }
    } catch (error) {
      await this.packages.update({ id: entity.id, deletingSince: claim }, { deletingSince: null });
      throw error;
    }
    const deleted = await this.packages.delete({ id: entity.id, deletingSince: claim });
    if (!deleted.affected) throw ServiceError.conflict('the package was being deleted by another request', 'id');
    return { id };
  }

  /**
   * Marks the package as being deleted, committed at once. A tombstone older than the lease was
   * left by a request that died, and is taken over; a live one belongs to another request.
   */
  private async claimDeletion(id: string): Promise<Date> {
    const [rows]: [{ deleting_since: Date }[], number] = await this.packages.manager.query(
      `UPDATE software_packages SET deleting_since = now() WHERE id = $1
         AND (deleting_since IS NULL OR deleting_since < now() - ${DELETION_LEASE}) RETURNING deleting_since`,
      [id],
    );
    if (!rows.length) throw ServiceError.conflict('the package is being deleted by another request', 'id');
    return rows[0].deleting_since;
  }

  async get(caller: Caller, id: string): Promise<SoftwarePackageDto> {
    return toDto(await this.visible(caller, id));
  }

  async list(caller: Caller, request: ListPackagesRequest): Promise<PageDto<SoftwarePackageDto>> {
    const where = accessibleWhere(caller.ability, 'list', 'package', { enterpriseProjectId: 'p.enterprise_project_id' });
    if (!where) return { edges: [], hasNextPage: false, endCursor: null };
    const query = this.packages
      .createQueryBuilder('p')
      .where('p.account_id = :accountId', { accountId: caller.accountId })
      .andWhere(where.sql, where.params);
    if (request.techStack) query.andWhere('p.tech_stack = :techStack', { techStack: request.techStack });
    if (request.enterpriseProjectId)
      query.andWhere('p.enterprise_project_id = :projectId', { projectId: request.enterpriseProjectId });
    if (request.readyOnly) query.andWhere(`p.status = 'READY'`);
    query.andWhere('p.deleting_since IS NULL');
    const page = await paginate(query, { createdAt: 'p.created_at', id: 'p.id' }, request);
    return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toDto(edge.node) })) };
  }

  /**
   * Another project's package answers exactly as a missing one; so does one being deleted, but
   * to a deletion (which may finish what a dead request left).
   */
  private async visible(caller: Caller, id: string, options: { deleting?: boolean } = {}): Promise<SoftwarePackageEntity> {
    const entity = await this.packages.findOneBy({ id, accountId: caller.accountId });
    if (!entity || !caller.can(Actions.package.get, entity.enterpriseProjectId) || (entity.deletingSince && !options.deleting))
      throw ServiceError.notFound('software package');
    return entity;
  }

  private requireRight(caller: Caller, action: string, entity: SoftwarePackageEntity): void {
    if (!caller.can(action, entity.enterpriseProjectId))
      throw ServiceError.forbidden(`${action} is not allowed in this enterprise project`);
  }

  private async storeFor(caller: Pick<Caller, 'accountId'>, source: 'SWR' | 'OBS'): Promise<S3Store> {
    if (source === 'SWR') return this.swr;
    const store = await this.obs.storeFor(caller.accountId);
    if (!store) {
      throw ServiceError.badInput(
        'bucket',
        'this account has no OBS credentials: an administrator sets them with configureObsCredentials',
      );
    }
    return store;
  }

  private async presign(store: S3Store, entity: SoftwarePackageEntity, contentLength?: number) {
    return store
      .presignPut(entity.bucket, entity.objectKey, { expiresInSeconds: this.config.UPLOAD_URL_TTL_SECONDS, contentLength })
      .catch(rethrowStorage('bucket'));
  }

  private async inspect(
    store: S3Store,
    entity: SoftwarePackageEntity,
    sizeBytes: number,
  ): Promise<Partial<SoftwarePackageEntity>> {
    if (sizeBytes > this.config.PACKAGE_MAX_BYTES) {
      return rejected(
        sizeBytes,
        null,
        `the package is ${sizeBytes} bytes, larger than the limit of ${this.config.PACKAGE_MAX_BYTES} bytes`,
      );
    }
    const stream = await store.read(entity.bucket, entity.objectKey).catch(rethrowStorage('id'));
    const result = await inspectPackage(stream, {
      maxBytes: this.config.PACKAGE_MAX_BYTES,
      declared: entity.declaredTechStack ?? undefined,
      limits: archiveLimitsOf(this.config),
    });
    if (result.status === 'REJECTED') return rejected(result.sizeBytes, result.sha256, result.reason);
    return {
      status: 'READY',
      techStack: result.techStack,
      sizeBytes: result.sizeBytes,
      sha256: result.sha256,
      rejectionReason: null,
    };
  }

  private async claimVerification(id: string): Promise<void> {
    const claimed = await this.packages
      .createQueryBuilder()
      .update()
      .set({ verifyingSince: () => 'now()' })
      .where('id = :id', { id })
      .andWhere(`status = 'PENDING_UPLOAD'`)
      .andWhere(`(verifying_since IS NULL OR verifying_since < now() - ${VERIFY_LEASE})`)
      .execute();
    if (!claimed.affected) throw ServiceError.conflict('the package is being verified by another request', 'id');
  }

  private async assertNameFree(accountId: string, source: 'SWR' | 'OBS', name: string, version: string): Promise<void> {
    const taken = await this.packages
      .createQueryBuilder('p')
      .where(
        'p.account_id = :accountId AND p.source = :source AND lower(p.name) = lower(:name) AND lower(p.version) = lower(:version)',
        {
          accountId,
          source,
          name,
          version,
        },
      )
      .getExists();
    if (taken) throw conflictFor(name, version);
  }

  private async insert(entity: SoftwarePackageEntity): Promise<void> {
    try {
      await this.packages.insert(entity);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflictFor(entity.name, entity.version);
      throw error;
    }
  }
}

function rejected(sizeBytes: number, sha256: string | null, reason: string): Partial<SoftwarePackageEntity> {
  return { status: 'REJECTED', sizeBytes, sha256, techStack: null, rejectionReason: reason };
}

function conflictFor(name: string, version: string): ServiceError {
  return ServiceError.conflict(`a package ${name} ${version} already exists in this repository`, 'name');
}

/** Storage problems become errors a user can act on; nothing from the SDK leaks. */
function rethrowStorage(field: string) {
  return (error: unknown): never => {
    if (error instanceof StorageError) {
      if (error.kind === 'unreachable') throw new ServiceError(ErrorCode.UNAVAILABLE, error.message);
      throw ServiceError.badInput(field, error.message);
    }
    throw error;
  };
}

export function toDto(entity: SoftwarePackageEntity): SoftwarePackageDto {
  return {
    id: entity.id,
    accountId: entity.accountId,
    enterpriseProjectId: entity.enterpriseProjectId,
    name: entity.name,
    version: entity.version,
    source: entity.source,
    bucket: entity.source === 'OBS' ? entity.bucket : null,
    objectKey: entity.objectKey,
    techStack: entity.techStack,
    sizeBytes: entity.sizeBytes,
    sha256: entity.sha256,
    status: entity.status,
    rejectionReason: entity.rejectionReason,
    createdBy: entity.createdBy,
    createdAt: entity.createdAt.toISOString(),
  };
}
