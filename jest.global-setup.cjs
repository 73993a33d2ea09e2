// Starts the test run's own nats-server, with authentication and the platform's generated
// permissions (libs/testing/src/test-nats-server.ts), before any worker starts; workers find it
// in TEST_NATS_URL and TEST_NATS_SEEDS. Jest transpiles this file's TypeScript requires with the
// first project's transform but applies no moduleNameMapper here, so the `@stagecraft/<lib>`
// aliases are resolved below, as jest.preset.js maps them for tests.
const Module = require('node:module');
const path = require('node:path');

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveStagecraftAlias(request, ...rest) {
  const lib = /^@stagecraft\/([a-z0-9-]+)$/.exec(request);
  if (lib) return path.join(__dirname, 'libs', lib[1], 'src', 'index.ts');
  return resolveFilename.call(this, request, ...rest);
};

module.exports = async function startTestNats() {
  // Here Node itself loads the ESM-only dependencies (require(esm)): jest.esm-transform.cjs leaves
  // them as they are while this flag is up (Node would take its CommonJS output for ESM by their
  // package.json "type", as this hook compiles through Node's loader, not Jest's module system).
  globalThis.__STAGECRAFT_NATIVE_ESM__ = true;
  let testNatsServer;
  try {
    testNatsServer = require('./libs/testing/src/test-nats-server.ts');
  } finally {
    delete globalThis.__STAGECRAFT_NATIVE_ESM__;
  }
  const { startTestNatsServer, exportTestNatsServer } = testNatsServer;
  const server = await startTestNatsServer();
  exportTestNatsServer(server);
  globalThis.__STAGECRAFT_TEST_NATS__ = server;
};
