export * from './dockerfile.parser';
export * from './secret.scanner';
