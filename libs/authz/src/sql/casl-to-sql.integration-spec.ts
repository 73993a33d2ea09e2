import { subject } from '@casl/ability';
import { rulesToAST } from '@casl/ability/extra';
import { createTestDatabase, type TestDatabase } from '@stagecraft/testing';
import fc from 'fast-check';
import { DataSource } from 'typeorm';

import { ACTION_CATALOG, type AuthzResource, type AuthzVerb } from '../action-catalog';
import { type AppAbility, type AuthzRawRule, buildAbility, compilePolicies } from '../policy-compiler';
import { grantsArb, isAdminArb, PROJECT_POOL } from '../testing/policy-grant.arbitraries';
import { accessibleWhere } from './casl-to-sql';

// Fixed seed: a failure reproduces on every run and on every machine.
const RUN = { seed: 42, numRuns: 300 };
// Hundreds of queries per property: generous, since two workers share two cores in CI.
const PROPERTY_TIMEOUT_MS = 120_000;
const COLUMNS = { enterpriseProjectId: 't.enterprise_project_id' };
/** Rows in known projects, one outside every policy, and rows with no project at all. */
const ROW_PROJECTS: (string | null)[] = [...PROJECT_POOL, 'ep-outside', null];
const PAIRS = [...new Map(ACTION_CATALOG.map((d) => [`${d.verb} ${d.resource}`, d])).values()];

interface Row {
  id: number;
  enterpriseProjectId: string | null;
}

describe('accessibleWhere on Postgres (property)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const rows: Row[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('authz');
    dataSource = new DataSource({ type: 'postgres', url: database.url });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE t (id integer PRIMARY KEY, enterprise_project_id text)');
    // A fixed pseudo-random spread, so every project has a few rows and some have none of a kind.
    for (let id = 1; id <= 60; id++) rows.push({ id, enterpriseProjectId: ROW_PROJECTS[(id * 7) % ROW_PROJECTS.length] });
    await dataSource.query(`INSERT INTO t (id, enterprise_project_id) SELECT * FROM unnest($1::int[], $2::text[])`, [
      rows.map((r) => r.id),
      rows.map((r) => r.enterpriseProjectId),
    ]);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** The ids the ability allows, by CASL in memory. */
  function expectedIds(ability: AppAbility, verb: AuthzVerb, resource: AuthzResource): number[] {
    return rows
      .filter((row) => ability.can(verb, subject(resource, { enterpriseProjectId: row.enterpriseProjectId as string })))
      .map((row) => row.id);
  }

  /** The ids the SQL filter returns, through TypeORM's query builder as services use it. */
  async function selectedIds(ability: AppAbility, verb: AuthzVerb, resource: AuthzResource): Promise<number[] | null> {
    const where = accessibleWhere(ability, verb, resource, COLUMNS, 'p');
    if (where === null) return null;
    const found = await dataSource
      .createQueryBuilder()
      .select('t.id', 'id')
      .from('t', 't')
      .where('t.id > 0')
      .andWhere(where.sql, where.params)
      .orderBy('t.id')
      .getRawMany<{ id: number }>();
    return found.map((r) => r.id);
  }

  async function check(ability: AppAbility, stats: { rowsSeen: number; nulls: number }): Promise<void> {
    for (const { verb, resource } of PAIRS) {
      const expected = expectedIds(ability, verb, resource);
      const selected = await selectedIds(ability, verb, resource);
      if (selected === null) {
        stats.nulls += 1;
        // null must only ever mean "nothing is allowed".
        expect(expected).toEqual([]);
        expect(rulesToAST(ability, verb, resource)).toBeNull();
      } else {
        expect(selected).toEqual(expected);
        stats.rowsSeen += selected.length;
      }
    }
  }

  it(
    'selects exactly the rows CASL allows, for compiled policy sets',
    async () => {
      const stats = { rowsSeen: 0, nulls: 0 };
      await fc.assert(
        fc.asyncProperty(grantsArb, isAdminArb, async (grants, isAdmin) => {
          await check(buildAbility(compilePolicies(grants, isAdmin)), stats);
        }),
        RUN,
      );
      // Guards against a generator that only produces trivial cases.
      expect(stats.rowsSeen).toBeGreaterThan(10_000);
      expect(stats.nulls).toBeGreaterThan(100);
    },
    PROPERTY_TIMEOUT_MS,
  );

  // The converter must not depend on the compiler's shapes: any order of scoped can/cannot.
  // Built with map() into plain objects: CASL reads operators only from plain objects, and
  // fc.record() makes null-prototype ones.
  const rawRuleArb: fc.Arbitrary<AuthzRawRule> = fc
    .tuple(
      fc.constantFrom<AuthzVerb>('get', 'list'),
      fc.constantFrom<AuthzResource>('assembling', 'cluster'),
      fc.boolean(),
      fc.oneof(
        fc.constant(null),
        fc.constantFrom(...PROJECT_POOL).map((id) => ({ enterpriseProjectId: id })),
        fc.subarray([...PROJECT_POOL, 'ep-outside']).map((ids) => ({ enterpriseProjectId: { $in: ids } })),
      ),
    )
    .map(
      ([action, resource, inverted, conditions]): AuthzRawRule => ({
        action,
        subject: resource,
        inverted,
        ...(conditions === null ? {} : { conditions }),
      }),
    );

  it(
    'selects exactly the rows CASL allows, for arbitrary can/cannot sequences',
    async () => {
      const stats = { rowsSeen: 0, nulls: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(rawRuleArb, { maxLength: 6 }), async (rules) => {
          const ability = buildAbility(rules);
          for (const verb of ['get', 'list'] as const) {
            for (const resource of ['assembling', 'cluster'] as const) {
              const selected = await selectedIds(ability, verb, resource);
              const expected = expectedIds(ability, verb, resource);
              if (selected === null) expect(expected).toEqual([]);
              else expect(selected).toEqual(expected);
              if (selected !== null) stats.rowsSeen += selected.length;
            }
          }
        }),
        RUN,
      );
      expect(stats.rowsSeen).toBeGreaterThan(10_000);
    },
    PROPERTY_TIMEOUT_MS,
  );
});
