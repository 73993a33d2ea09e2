export * from './data-source.factory';
export * from './keyset-pagination';
