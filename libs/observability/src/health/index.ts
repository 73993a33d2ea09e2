export * from './observability-server';
export * from './observability-settings';
