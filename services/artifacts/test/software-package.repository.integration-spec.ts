import { randomUUID } from 'node:crypto';

import { buildAbility, compilePolicies } from '@stagecraft/authz';
import { openDatabase } from '@stagecraft/persistence';
import { createTestDatabase, type TestDatabase } from '@stagecraft/testing';
import type { DataSource } from 'typeorm';

import { artifactsMigrations } from '../src/migrations';
import { ObsCredentialsEntity } from '../src/obs-credentials/infra/obs-credentials.entity';
import { ObsCredentialsRepository } from '../src/obs-credentials/infra/obs-credentials.repository';
import type { SoftwarePackageFields } from '../src/packages/domain/software-packages';
import { SoftwarePackageEntity } from '../src/packages/infra/software-package.entity';
import { SoftwarePackageRepository } from '../src/packages/infra/software-package.repository';

const ACCOUNT = randomUUID();
const RED = randomUUID();
const BLUE = randomUUID();

/** The SQL behind the SoftwarePackages port: what the in-memory fake of the unit specs stands in for. */
describe('SoftwarePackageRepository (real Postgres)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let packages: SoftwarePackageRepository;

  beforeAll(async () => {
    database = await createTestDatabase('artifacts');
    dataSource = await openDatabase({
      url: database.url,
      schema: 'artifacts',
      entities: [SoftwarePackageEntity, ObsCredentialsEntity],
      migrations: artifactsMigrations,
    });
    packages = new SoftwarePackageRepository(dataSource.getRepository(SoftwarePackageEntity));
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  function fields(changes: Partial<SoftwarePackageFields> = {}): SoftwarePackageFields {
    const id = randomUUID();
    return {
      id,
      accountId: ACCOUNT,
      enterpriseProjectId: RED,
      name: `app-${id.slice(0, 8)}`,
      version: '1.0.0',
      source: 'SWR',
      bucket: 'stagecraft-packages',
      objectKey: `packages/${ACCOUNT}/${id}`,
      ownsObject: true,
      declaredTechStack: null,
      techStack: null,
      sizeBytes: null,
      declaredSizeBytes: null,
      sha256: null,
      declaredSha256: null,
      verification: null,
      status: 'PENDING_UPLOAD',
      rejectionReason: null,
      verifyingSince: null,
      createdBy: randomUUID(),
      ...changes,
    };
  }

  async function inserted(changes: Partial<SoftwarePackageFields> = {}): Promise<SoftwarePackageEntity> {
    const pkg = await packages.insert(fields(changes));
    if (pkg === 'name-version-taken') throw new Error('the name was taken');
    return pkg;
  }

  /** Moves a claim back in time, as a request that died long ago would have left it. */
  async function backdate(id: string, column: 'verifying_since' | 'deleting_since', minutes: number): Promise<Date> {
    const [rows]: [{ at: Date }[], number] = await dataSource.query(
      `UPDATE software_packages SET ${column} = now() - make_interval(mins => $2) WHERE id = $1 RETURNING ${column} AS at`,
      [id, minutes],
    );
    return rows[0].at;
  }

  it('inserts with the timestamps filled in, and answers a taken name and version whatever their case', async () => {
    const pkg = await inserted({ name: 'orders', version: '1.0.0-rc.1' });
    expect(pkg.createdAt).toBeInstanceOf(Date);
    expect(await packages.findInAccount(pkg.id, ACCOUNT)).toMatchObject({ id: pkg.id, deletingSince: null });
    expect(await packages.findInAccount(pkg.id, randomUUID())).toBeNull();

    expect(await packages.isNameVersionTaken(ACCOUNT, 'SWR', 'ORDERS', '1.0.0-RC.1')).toBe(true);
    expect(await packages.isNameVersionTaken(ACCOUNT, 'OBS', 'orders', '1.0.0-rc.1')).toBe(false);
    expect(await packages.insert(fields({ name: 'Orders', version: '1.0.0-RC.1' }))).toBe('name-version-taken');
    expect(await packages.insert(fields({ name: 'orders', version: '1.0.0-rc.1', source: 'OBS' }))).not.toBe(
      'name-version-taken',
    );
  });

  it('lets one request verify a pending upload, until it releases the claim or its lease runs out', async () => {
    const pkg = await inserted();
    expect(await packages.claimVerification(pkg.id)).toBe(true);
    expect(await packages.claimVerification(pkg.id)).toBe(false);
    await packages.releaseVerification(pkg.id);
    expect(await packages.claimVerification(pkg.id)).toBe(true);
    await backdate(pkg.id, 'verifying_since', 29);
    expect(await packages.claimVerification(pkg.id)).toBe(false);
    await backdate(pkg.id, 'verifying_since', 31);
    expect(await packages.claimVerification(pkg.id)).toBe(true);

    const claimed = (await packages.findInAccount(pkg.id, ACCOUNT))!;
    Object.assign(claimed, { status: 'READY', techStack: 'JAVA', sizeBytes: 3, sha256: 'abc', verifyingSince: null });
    await packages.saveVerdict(claimed);
    expect(await packages.findInAccount(pkg.id, ACCOUNT)).toMatchObject({ status: 'READY', sizeBytes: 3, verifyingSince: null });
    expect(await packages.claimVerification(pkg.id)).toBe(false);
  });

  it('deletes only with the live tombstone: a dead request’s is taken over, and its claim then deletes nothing', async () => {
    const pkg = await inserted();
    const first = await packages.claimDeletion(pkg.id);
    expect(first).toBeInstanceOf(Date);
    expect(await packages.claimDeletion(pkg.id)).toBeNull();

    const dead = await backdate(pkg.id, 'deleting_since', 6);
    const second = (await packages.claimDeletion(pkg.id))!;
    expect(second).toBeInstanceOf(Date);
    await packages.releaseDeletion(pkg.id, dead);
    expect(await packages.deleteClaimed(pkg.id, dead)).toBe(false);
    expect((await packages.findInAccount(pkg.id, ACCOUNT))!.deletingSince).toEqual(second);

    await packages.releaseDeletion(pkg.id, second);
    expect((await packages.findInAccount(pkg.id, ACCOUNT))!.deletingSince).toBeNull();
    const third = (await packages.claimDeletion(pkg.id))!;
    expect(await packages.deleteClaimed(pkg.id, third)).toBe(true);
    expect(await packages.findInAccount(pkg.id, ACCOUNT)).toBeNull();
  });

  it('lists newest first, only where the ability may list, and leaves out packages being deleted', async () => {
    const lister = randomUUID();
    const red = await inserted({ accountId: lister, enterpriseProjectId: RED, status: 'READY', techStack: 'JAVA' });
    const pending = await inserted({ accountId: lister, enterpriseProjectId: RED });
    const blue = await inserted({ accountId: lister, enterpriseProjectId: BLUE, status: 'READY', techStack: 'PHP' });
    const doomed = await inserted({ accountId: lister, enterpriseProjectId: RED });
    await packages.claimDeletion(doomed.id);

    const admin = { accountId: lister, ability: buildAbility(compilePolicies([], true)) };
    const ids = async (reader: typeof admin, request: object = {}) =>
      (await packages.page(reader, request)).edges.map((edge) => edge.node.id);
    expect(await ids(admin)).toEqual(newestFirst([red, pending, blue]));
    expect(await ids(admin, { readyOnly: true, techStack: 'PHP' })).toEqual([blue.id]);
    expect(await ids(admin, { enterpriseProjectId: RED })).toEqual(newestFirst([red, pending]));

    const redOnly = {
      accountId: lister,
      ability: buildAbility(
        compilePolicies(
          [
            {
              policy: { id: 'p', name: 'red', statements: [{ effect: 'ALLOW', actions: ['servicestage:package:*'] }] },
              enterpriseProjectIds: [RED],
            },
          ],
          false,
        ),
      ),
    };
    expect(await ids(redOnly)).toEqual(newestFirst([red, pending]));
    expect(await ids({ accountId: lister, ability: buildAbility(compilePolicies([], false)) })).toEqual([]);
  });

  it('keeps one set of OBS credentials an account, replaced when set again', async () => {
    const credentials = new ObsCredentialsRepository(dataSource.getRepository(ObsCredentialsEntity));
    const accountId = randomUUID();
    const set = { accountId, endpoint: 'https://obs.example', region: 'r1', accessKeyId: 'AK', secretAccessKeySealed: 's1' };
    expect(await credentials.findForAccount(accountId)).toBeNull();
    await credentials.save(set);
    const replaced = await credentials.save({ ...set, region: 'r2', secretAccessKeySealed: 's2' });
    expect(replaced.updatedAt).toBeInstanceOf(Date);
    expect(await credentials.findForAccount(accountId)).toMatchObject({ region: 'r2', secretAccessKeySealed: 's2' });
  });
});

/** The order of a page: created_at, then id, both descending. */
function newestFirst(packages: SoftwarePackageEntity[]): string[] {
  return [...packages]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
    .map((pkg) => pkg.id);
}
