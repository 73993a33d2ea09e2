export * from './action-catalog';
export * from './action-pattern';
export * from './explain-permission';
export * from './nest';
export * from './policy-compiler';
export * from './policy-grant';
export * from './sql/casl-to-sql';
