export * from './authz.module';
export * from './authz-changes';
export * from './caller';
export * from './caller-resolver';
export * from './enterprise-project-scope';
export * from './nats-sources';
export * from './rpc-auth.guard';
export * from './token-verifier';
