export { commaList } from './comma-list';
export { configModule } from './config.module';
export * from './egress';
export { ConfigError, configKeys, loadConfig } from './load-config';
