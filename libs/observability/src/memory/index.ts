export * from './idle-memory';
