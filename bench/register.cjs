// Runs the benchmarks' TypeScript in place: @swc-node/register reads bench/tsconfig.json (which
// extends tsconfig.base.json; the workspace has no root tsconfig.json), so it honours the
// `@stagecraft/*` path aliases, legacy decorators with emitted metadata (Nest DI) and
// useDefineForClassFields: false. Usage: node -r ./bench/register.cjs bench/<name>.bench.ts
const path = require('node:path');

process.env.SWC_NODE_PROJECT ??= path.join(__dirname, 'tsconfig.json');
require('@swc-node/register');
