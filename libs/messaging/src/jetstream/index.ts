export * from './consumers';
export * from './fanout';
export * from './outbox';
export * from './outbox-relay';
export * from './streams';
export * from './subjects';
