export * from './nats-trace-context';
export * from './start-tracing';
