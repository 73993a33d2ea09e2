export * from './registry-token';
export * from './registry-token-files';
