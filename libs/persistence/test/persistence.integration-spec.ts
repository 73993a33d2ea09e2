import { ErrorCode } from '@stagecraft/contracts';
import { Client } from 'pg';
import { Column, CreateDateColumn, DataSource, Entity, MigrationInterface, PrimaryGeneratedColumn, QueryRunner } from 'typeorm';

import { decodeCursor, encodeCursor, openDatabase, type Page, paginate } from '../src';

// @stagecraft/testing builds on this lib's neighbours; this spec makes its database by hand.
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

@Entity({ name: 'widgets' })
class Widget {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}

class CreateWidgets1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE widgets (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, created_at timestamptz(3) NOT NULL)`,
    );
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE widgets');
  }
}

describe('persistence (real Postgres)', () => {
  const name = `sc_persistence_${Math.random().toString(36).slice(2, 10)}`;
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  let dataSource: DataSource;

  beforeAll(async () => {
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    dataSource = await openDatabase({ url, schema: 'widgets_svc', entities: [Widget], migrations: [CreateWidgets1700000000000] });
    // 45 rows, several sharing a created_at, so the id breaks ties.
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    await dataSource
      .getRepository(Widget)
      .insert(Array.from({ length: 45 }, (_, i) => ({ name: `w${i}`, createdAt: new Date(base + Math.floor(i / 3) * 1000) })));
  });
  afterAll(async () => {
    await dataSource.destroy();
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it('keeps each service in its own schema, with its migrations applied once', async () => {
    const schemas = await dataSource.query(
      `SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name IN ('widgets', 'migrations')`,
    );
    expect(schemas).toEqual([{ table_schema: 'widgets_svc' }]);
    const again = await openDatabase({
      url,
      schema: 'widgets_svc',
      entities: [Widget],
      migrations: [CreateWidgets1700000000000],
    });
    expect(await again.query('SELECT count(*)::int AS n FROM migrations')).toEqual([{ n: 1 }]);
    await again.destroy();
  });

  it('lets one of several replicas starting at once run the migrations, and the others find them applied', async () => {
    // A migration slow enough that the replicas overlap: without the lock, each would try to create the table.
    class CreateGadgetsSlowly1700000000001 implements MigrationInterface {
      async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query('SELECT pg_sleep(0.3)');
        await queryRunner.query('CREATE TABLE gadgets (id int PRIMARY KEY)');
      }
      async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query('DROP TABLE gadgets');
      }
    }
    const replicas = await Promise.all(
      Array.from({ length: 3 }, () =>
        openDatabase({ url, schema: 'gadgets_svc', entities: [], migrations: [CreateGadgetsSlowly1700000000001] }),
      ),
    );
    try {
      expect(await replicas[0].query('SELECT count(*)::int AS n FROM migrations')).toEqual([{ n: 1 }]);
      expect(await replicas[2].query('SELECT count(*)::int AS n FROM gadgets')).toEqual([{ n: 0 }]);
    } finally {
      await Promise.all(replicas.map((replica) => replica.destroy()));
    }
  });

  it('walks every row exactly once, newest first, page by page', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: Page<Widget> = await paginate(
        dataSource.getRepository(Widget).createQueryBuilder('w'),
        { createdAt: 'w.created_at', id: 'w.id' },
        { first: 10, after },
      );
      seen.push(...page.edges.map((edge) => edge.node.id));
      after = page.hasNextPage ? page.endCursor : null;
      pages += 1;
    } while (after);
    expect(pages).toBe(5);
    const all = await dataSource.getRepository(Widget).find({ order: { createdAt: 'DESC', id: 'DESC' } });
    expect(seen).toEqual(all.map((w) => w.id));
  });

  it('refuses a bad page size or a cursor it did not make, naming the argument', async () => {
    const query = () => dataSource.getRepository(Widget).createQueryBuilder('w');
    const columns = { createdAt: 'w.created_at', id: 'w.id' };
    await expect(paginate(query(), columns, { first: 0 })).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      field: 'first',
    });
    await expect(paginate(query(), columns, { first: 101 })).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      field: 'first',
    });
    await expect(paginate(query(), columns, { after: encodeCursor(new Date(), 'not-a-uuid') })).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      field: 'after',
    });
    await expect(paginate(query(), columns, { after: 'bm9wZQ' })).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      field: 'after',
    });
  });

  it('round-trips cursors', () => {
    const at = new Date('2026-11-26T17:38:40.123Z');
    expect(decodeCursor(encodeCursor(at, '6f1c2b2e-0000-4000-8000-000000000000'))).toEqual([
      at,
      '6f1c2b2e-0000-4000-8000-000000000000',
    ]);
  });
});
