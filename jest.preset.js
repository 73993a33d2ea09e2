// Shared Jest settings for every project. ts-jest transpiles only (isolatedModules);
// type checking is `npm run build`, which CI runs before the tests.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['**/?(*.)+(spec|integration-spec|e2e-spec).ts'],
  transform: {
    // ESM-only dependencies (those transformIgnorePatterns lets through) become CommonJS, as they are.
    '/node_modules/.+\\.m?js$': path.join(__dirname, 'jest.esm-transform.cjs'),
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.spec.json') }],
  },
  // ESM only: Nest 12, @kubernetes/client-node 2 and what it loads (openid-client, oauth4webapi, jose,
  // socks-proxy-agent and its agent-base).
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@kubernetes/client-node|openid-client|jose|oauth4webapi|socks-proxy-agent|agent-base)/)',
  ],
  moduleNameMapper: {
    '^@stagecraft/(archive|config|kube|oci)/testing$': path.join(__dirname, 'libs/$1/src/testing/index.ts'),
    '^@stagecraft/messaging/nats-auth$': path.join(__dirname, 'libs/messaging/src/nats-auth/index.ts'),
    '^@stagecraft/oci/docker-registry-config$': path.join(__dirname, 'libs/oci/src/docker-registry-config.ts'),
    '^@stagecraft/oci/registry-token$': path.join(__dirname, 'libs/oci/src/registry-token/index.ts'),
    '^@stagecraft/observability/defer-unused-modules$': path.join(__dirname, 'libs/observability/src/defer-unused-modules.ts'),
    '^@stagecraft/observability/process$': path.join(__dirname, 'libs/observability/src/process.ts'),
    '^@stagecraft/service/service-config$': path.join(__dirname, 'libs/service/src/service-config.ts'),
    '^@stagecraft/service-([a-z]+)$': path.join(__dirname, 'services/$1/src/index.ts'),
    '^@stagecraft/([a-z0-9-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
  },
};
