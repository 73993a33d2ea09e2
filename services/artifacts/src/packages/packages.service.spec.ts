import { buildAbility, Caller, compilePolicies } from '@stagecraft/authz';
import { ErrorCode, PackageErrorReason, type PackageUploadDto, type SoftwarePackageDto } from '@stagecraft/contracts';

import { FakeClock } from '../../test/fakes/fake-clock';
import { CountedPackageUsage, FixedProjectScope, plainSealer } from '../../test/fakes/fake-collaborators';
import { InMemoryPackageStorage } from '../../test/fakes/in-memory-object-store';
import { InMemorySoftwarePackages } from '../../test/fakes/in-memory-software-packages';
import { type Finding, ScriptedPackageInspector, sha256Of } from '../../test/fakes/scripted-package-inspector';
import { ArtifactsConfig } from '../config';
import { PackagesService } from './packages.service';

const ACCOUNT = '00000000-0000-4000-8000-0000000acc01';
const USER = '00000000-0000-4000-8000-0000000005e1';

describe('PackagesService: the upload workflow', () => {
  let clock: FakeClock;
  let packages: InMemorySoftwarePackages;
  let storage: InMemoryPackageStorage;
  let inspector: ScriptedPackageInspector;
  let scope: FixedProjectScope;
  let config: ArtifactsConfig;
  let service: PackagesService;
  const admin = new Caller(USER, ACCOUNT, true, buildAbility(compilePolicies([], true)), {});

  beforeEach(() => {
    clock = new FakeClock();
    packages = new InMemorySoftwarePackages(clock);
    storage = new InMemoryPackageStorage(clock);
    inspector = new ScriptedPackageInspector();
    scope = new FixedProjectScope();
    config = Object.assign(new ArtifactsConfig(), { PACKAGE_MAX_BYTES: 1024 * 1024, UPLOAD_URL_TTL_SECONDS: 900 });
    const usage = new CountedPackageUsage();
    service = new PackagesService(packages, storage, inspector, usage, scope, plainSealer, config, clock);
  });

  function createUpload(name = 'orders', version = '1.0.0', sizeBytes?: number): Promise<PackageUploadDto> {
    return service.createUpload(admin, { name, version, source: 'SWR', sizeBytes });
  }

  /** A package whose bytes went up through its presigned URL; the inspector will find `finding` in them. */
  async function uploaded(bytes: Buffer, finding: Finding, declaredSizeBytes?: number): Promise<SoftwarePackageDto> {
    inspector.finds(bytes, finding);
    const created = await createUpload('orders', '1.0.0', declaredSizeBytes);
    storage.swr.uploadThrough(created.uploadUrl, bytes);
    return created.package;
  }

  it('creates a PENDING_UPLOAD package and a presigned PUT URL for its object', async () => {
    const created = await createUpload();

    expect(created.package).toMatchObject({
      accountId: ACCOUNT,
      enterpriseProjectId: scope.defaultProjectId,
      name: 'orders',
      version: '1.0.0',
      source: 'SWR',
      bucket: null,
      objectKey: `packages/${ACCOUNT}/${created.package.id}`,
      status: 'PENDING_UPLOAD',
      techStack: null,
      sha256: null,
      sizeBytes: null,
      createdBy: USER,
      createdAt: clock.now().toISOString(),
    });
    expect(created.expiresAt).toBe(new Date(clock.now().getTime() + 900_000).toISOString());
    expect(() => storage.swr.uploadThrough(created.uploadUrl, Buffer.from('bytes'))).not.toThrow();
    expect(storage.swr.has(config.S3_BUCKET, created.package.objectKey)).toBe(true);
    expect(packages.stored(created.package.id)?.status).toBe('PENDING_UPLOAD');
  });

  it('completes an upload READY, with the sha256 of the bytes and the stack found in them', async () => {
    const bytes = Buffer.from('a node package');
    const pkg = await uploaded(bytes, { techStack: 'NODEJS' });

    const completed = await service.completeUpload(admin, pkg.id);

    expect(completed).toMatchObject({
      status: 'READY',
      techStack: 'NODEJS',
      sizeBytes: bytes.length,
      sha256: sha256Of(bytes),
      rejectionReason: null,
    });
    expect(await service.get(admin, pkg.id)).toEqual(completed);
    expect(packages.stored(pkg.id)?.verifyingSince).toBeNull();
  });

  it('completes an upload REJECTED with the reason the contents gave, and does not keep the bytes', async () => {
    const bytes = Buffer.from('an archive with a link out of it');
    const pkg = await uploaded(bytes, { reason: 'entry app/link points outside the package' });

    const completed = await service.completeUpload(admin, pkg.id);

    expect(completed).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'entry app/link points outside the package',
      techStack: null,
      sizeBytes: bytes.length,
      sha256: sha256Of(bytes),
    });
    expect(storage.swr.has(config.S3_BUCKET, pkg.objectKey)).toBe(false);
  });

  it('rejects an upload of another size than the one declared, without reading it', async () => {
    const bytes = Buffer.from('twelve bytes');
    const pkg = await uploaded(bytes, { techStack: 'JAVA' }, bytes.length + 1);

    expect(await service.completeUpload(admin, pkg.id)).toMatchObject({
      status: 'REJECTED',
      rejectionReason: `the upload is ${bytes.length} bytes, not the declared sizeBytes of ${bytes.length + 1}`,
      sha256: null,
    });
  });

  it('refuses to complete an upload twice: CONFLICT, NOT_PENDING_UPLOAD on id', async () => {
    const pkg = await uploaded(Buffer.from('a java package'), { techStack: 'JAVA' });
    await service.completeUpload(admin, pkg.id);

    await expect(service.completeUpload(admin, pkg.id)).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      reason: PackageErrorReason.NOT_PENDING_UPLOAD,
      field: 'id',
      message: 'the package is already READY',
    });
  });

  it('refuses to complete before anything was uploaded, and lets a later upload complete', async () => {
    const created = await createUpload();

    await expect(service.completeUpload(admin, created.package.id)).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      reason: PackageErrorReason.NOTHING_UPLOADED,
      field: 'id',
      message: 'nothing has been uploaded for this package yet',
    });
    expect(packages.stored(created.package.id)).toMatchObject({ status: 'PENDING_UPLOAD', verifyingSince: null });

    const bytes = Buffer.from('uploaded after all');
    inspector.finds(bytes, { techStack: 'PYTHON' });
    storage.swr.uploadThrough(created.uploadUrl, bytes);
    expect((await service.completeUpload(admin, created.package.id)).status).toBe('READY');
  });

  it('refuses to complete while another request verifies the upload: CONFLICT, BUSY', async () => {
    const pkg = await uploaded(Buffer.from('bytes'), { techStack: 'JAVA' });
    await packages.claimVerification(pkg.id);

    await expect(service.completeUpload(admin, pkg.id)).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      reason: PackageErrorReason.BUSY,
      field: 'id',
    });
  });

  it('refuses a declared size over the limit: BAD_USER_INPUT, TOO_LARGE on sizeBytes, and stores nothing', async () => {
    await expect(createUpload('orders', '1.0.0', config.PACKAGE_MAX_BYTES + 1)).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      reason: PackageErrorReason.TOO_LARGE,
      field: 'sizeBytes',
      message: `sizeBytes exceeds the limit of ${config.PACKAGE_MAX_BYTES} bytes`,
    });
    expect(packages.size).toBe(0);
  });

  it('refuses a name and version the account has already, whatever their case: CONFLICT, NAME_VERSION_TAKEN on name', async () => {
    await createUpload('orders', '1.0.0-rc.1');

    await expect(createUpload('Orders', '1.0.0-RC.1')).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      reason: PackageErrorReason.NAME_VERSION_TAKEN,
      field: 'name',
      message: 'a package Orders 1.0.0-RC.1 already exists in this repository',
    });
    expect(packages.size).toBe(1);
  });

  describe('who vouches for the sha256', () => {
    /** The service on a store that refuses bytes other than the sha256 signed into the PUT, as S3 does. */
    function onVerifyingStore(): void {
      storage = new InMemoryPackageStorage(clock, { verify: true });
      service = new PackagesService(packages, storage, inspector, new CountedPackageUsage(), scope, plainSealer, config, clock);
    }

    /** A JAVA package whose sha256 was declared at createUpload. */
    function declared(bytes: Buffer): Promise<PackageUploadDto> {
      inspector.finds(bytes, { techStack: 'JAVA' });
      return service.createUpload(admin, { name: 'orders', version: '1.0.0', source: 'SWR', sha256: sha256Of(bytes) });
    }

    it('signs a declared sha256 into the upload and takes the store’s word for it: STORE_CHECKSUM, no byte read', async () => {
      onVerifyingStore();
      const bytes = Buffer.from('a java package, declared');
      const created = await declared(bytes);
      expect(created.uploadHeaders).toEqual([
        { name: 'x-amz-checksum-sha256', value: Buffer.from(sha256Of(bytes), 'hex').toString('base64') },
      ]);
      expect(() => storage.swr.uploadThrough(created.uploadUrl, Buffer.from('other bytes'))).toThrow(/BadDigest/);
      storage.swr.uploadThrough(created.uploadUrl, bytes);

      expect(await service.completeUpload(admin, created.package.id)).toMatchObject({
        status: 'READY',
        sha256: sha256Of(bytes),
        verification: 'STORE_CHECKSUM',
      });
      expect(storage.swr.bytesRead).toBe(0);
    });

    it('reads every byte itself where the store verifies no checksums, declared or not: FULL_READ', async () => {
      const bytes = Buffer.from('a java package on a store that ignores checksums');
      const created = await declared(bytes);
      storage.swr.uploadThrough(created.uploadUrl, bytes);

      expect(await service.completeUpload(admin, created.package.id)).toMatchObject({
        status: 'READY',
        sha256: sha256Of(bytes),
        verification: 'FULL_READ',
      });
      expect(storage.swr.bytesRead).toBe(bytes.length);
    });

    it('reads every byte when nothing was declared, even on a verifying store', async () => {
      onVerifyingStore();
      const bytes = Buffer.from('an undeclared package');
      const pkg = await uploaded(bytes, { techStack: 'PHP' });

      expect(await service.completeUpload(admin, pkg.id)).toMatchObject({ verification: 'FULL_READ', sha256: sha256Of(bytes) });
      expect(storage.swr.bytesRead).toBe(bytes.length);
    });

    it('refuses a sha256 that is no SHA-256: BAD_USER_INPUT on sha256, and stores nothing', async () => {
      await expect(
        service.createUpload(admin, { name: 'orders', version: '1.0.0', source: 'SWR', sha256: 'abc123' }),
      ).rejects.toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
        reason: PackageErrorReason.INVALID_FIELD,
        field: 'sha256',
        message: 'sha256 must be the SHA-256 of the bytes to upload, as 64 hexadecimal digits',
      });
      expect(packages.size).toBe(0);
    });
  });

  describe('downloads for builds', () => {
    it('gives no download URL for a package that is not READY: CONFLICT, PACKAGE_NOT_READY on id', async () => {
      const created = await createUpload();

      await expect(service.downloadUrl(admin, created.package.id, 3600)).rejects.toMatchObject({
        code: ErrorCode.CONFLICT,
        reason: PackageErrorReason.PACKAGE_NOT_READY,
        field: 'id',
        message: 'the package is PENDING_UPLOAD: only READY packages can be built',
      });
    });

    it('seals a grant with the download URL, exchanged for a fresh URL until it expires', async () => {
      const bytes = Buffer.from('a tomcat package');
      const pkg = await uploaded(bytes, { techStack: 'TOMCAT' });
      await service.completeUpload(admin, pkg.id);

      const download = await service.downloadUrl(admin, pkg.id, 3600);
      expect(download).toMatchObject({ sha256: sha256Of(bytes), sizeBytes: bytes.length });
      clock.advance(1800_000);
      const fresh = await service.buildDownloadUrl({ grant: download.grant!, ttlSeconds: 3600 });
      expect(fresh).toMatchObject({ sha256: sha256Of(bytes), expiresAt: download.expiresAt });

      clock.advance(1800_001);
      await expect(service.buildDownloadUrl({ grant: download.grant!, ttlSeconds: 3600 })).rejects.toMatchObject({
        code: ErrorCode.FORBIDDEN,
        reason: PackageErrorReason.GRANT_INVALID,
        message: 'the download grant has expired',
      });
    });

    it('grants a rebuild of the same bytes to the base-image watcher, and nothing for other bytes or another account', async () => {
      const bytes = Buffer.from('a java package');
      const pkg = await uploaded(bytes, { techStack: 'JAVA' });
      await service.completeUpload(admin, pkg.id);
      const request = { accountId: admin.accountId, packageId: pkg.id, sha256: sha256Of(bytes), ttlSeconds: 3600 };

      const { grant } = await service.rebuildGrant(request);
      expect(await service.buildDownloadUrl({ grant, ttlSeconds: 3600 })).toMatchObject({ sha256: sha256Of(bytes) });
      await expect(service.rebuildGrant({ ...request, sha256: sha256Of(Buffer.from('other')) })).rejects.toMatchObject({
        reason: PackageErrorReason.PACKAGE_CHANGED,
      });
      await expect(service.rebuildGrant({ ...request, accountId: '00000000-0000-4000-8000-0000000000ff' })).rejects.toMatchObject(
        { reason: PackageErrorReason.PACKAGE_NOT_FOUND },
      );
      clock.advance(3600_001);
      await expect(service.buildDownloadUrl({ grant, ttlSeconds: 3600 })).rejects.toMatchObject({
        reason: PackageErrorReason.GRANT_INVALID,
      });
    });
  });
});
