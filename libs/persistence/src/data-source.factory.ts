import { Client } from 'pg';
import { DataSource, MixedList } from 'typeorm';

import { PostgresErrorCodes } from './postgres-errors';

export interface DatabaseOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** The service's own schema: each service keeps its tables apart. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  logging?: boolean;
  poolSize?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * A DataSource confined to one schema: the connection's search_path is that schema, so
 * migrations and queries name tables without qualifying them.
 */
export function createDataSource(options: DatabaseOptions): DataSource {
  assertSchemaName(options.schema);
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: options.logging ?? false,
    extra: { options: `-c search_path=${options.schema}`, max: options.poolSize ?? 10 },
  });
}

/**
 * Creates the schema if needed, connects and applies the checked-in migrations. Replicas of a
 * service start at once: a session advisory lock per schema lets one of them migrate while the
 * others wait, then find nothing left to run.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  assertSchemaName(options.schema);
  const lock = new Client({ connectionString: options.url });
  await lock.connect();
  try {
    await ensureSchema(lock, options.schema);
    await lock.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_NAMESPACE, options.schema]);
    const dataSource = createDataSource(options);
    await dataSource.initialize();
    try {
      await dataSource.runMigrations();
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
    return dataSource;
  } finally {
    // Ending the session releases its lock, also when the migrations failed.
    await lock.end();
  }
}

/** First key of the two-int4 advisory lock a schema's migrations run under (the second: the schema's hash). */
export const MIGRATION_LOCK_NAMESPACE = 1_868_850_100;

function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${schema}`);
}

async function ensureSchema(client: Client, schema: string): Promise<void> {
  // Two services starting at once may race here; IF NOT EXISTS can still collide on the catalog.
  await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).catch((error: { code?: string }) => {
    if (error.code !== PostgresErrorCodes.uniqueViolation && error.code !== PostgresErrorCodes.duplicateSchema) throw error;
  });
}
