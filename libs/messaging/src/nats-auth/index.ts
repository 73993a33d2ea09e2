export * from './nats-config';
export * from './nats-permissions';
export * from './nats-server.process';
export * from './nats-server-authorization';
