// What a process without Nest needs from this library (the launcher, `npm start`): the barrel
// (index.ts) also loads Nest, pino and prom-client, which such a process would hold for nothing.
export { readableLog } from './logging/readable-log-line';
export { releaseMemoryWhenIdle } from './memory';
