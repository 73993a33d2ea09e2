export { ConfigError, configKeys, loadConfig } from './load-config';
export { logLevelsUpTo } from './log-levels';
