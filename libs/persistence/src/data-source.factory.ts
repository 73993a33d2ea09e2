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
  if (!SCHEMA_NAME.test(options.schema)) throw new Error(`invalid schema name: ${options.schema}`);
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

/** Creates the schema if needed, connects and applies the checked-in migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  await ensureSchema(options.url, options.schema);
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // Two services starting at once may race here; IF NOT EXISTS can still collide on the catalog.
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).catch((error: { code?: string }) => {
      if (error.code !== PostgresErrorCodes.uniqueViolation && error.code !== PostgresErrorCodes.duplicateSchema) throw error;
    });
  } finally {
    await client.end();
  }
}
