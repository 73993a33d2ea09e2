export * from './health';
export * from './logging';
export * from './memory';
export * from './metrics';
export * from './observability.module';
export * from './tracing';
