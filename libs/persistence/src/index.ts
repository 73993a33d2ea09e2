export * from './data-source.factory';
export * from './keyset-pagination';
export * from './postgres-errors';
export * from './service-database.module';
