export { ConfigError, configKeys, loadConfig } from './load-config';
