export * from './consumers';
export * from './outbox';
export * from './outbox-relay';
export * from './streams';
export * from './subjects';
