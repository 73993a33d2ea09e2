export * from './counting-listener';
export * from './test-archives';
export * from './test-database';
export * from './test-keys';
export * from './test-nats';
export * from './test-nats-server';
export * from './test-s3';
