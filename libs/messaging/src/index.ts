export * from './nats-connection-status';
export * from './nats-rpc.client';
export * from './nats-rpc.server';
export * from './nest/health.nats-controller';
export * from './nest/messaging.module';
export * from './nest/request-meta.decorator';
export * from './nest/rpc-access.decorator';
export * from './nest/rpc-error.filter';
export * from './nest/rpc-sender';
export * from './nest/rpc-validation.pipe';
export * from './nest/start-service';
export * from './wire-format';

// Streams, the transactional outbox and its relay, consumers.
export * from './jetstream';

// Who each process is on NATS, and what it may do there.
export * from './nats-auth';
