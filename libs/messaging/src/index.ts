export * from './nats-rpc.client';
export * from './nats-rpc.server';
export * from './nest/health.nats-controller';
export * from './nest/messaging.module';
export * from './nest/public-rpc.decorator';
export * from './nest/request-meta.decorator';
export * from './nest/rpc-error.filter';
export * from './nest/rpc-validation.pipe';
export * from './nest/start-service';
export * from './wire-format';

// Streams, the transactional outbox and its relay, consumers.
export * from './jetstream';
