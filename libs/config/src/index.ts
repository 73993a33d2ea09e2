export { ConfigError, configKeys, loadConfig } from './load-config';
export { logLevelsUpTo } from './log-levels';
export { configModule } from './config.module';
