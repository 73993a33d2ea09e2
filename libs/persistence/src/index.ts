export * from './data-source.factory';
export * from './keyset-pagination';
export * from './service-database.module';
