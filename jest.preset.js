// Shared Jest settings for every project. ts-jest transpiles only (isolatedModules);
// type checking is `npm run build`, which CI runs before the tests.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['**/?(*.)+(spec|integration-spec|e2e-spec).ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.spec.json') }],
  },
  // @kubernetes/client-node 1.x and its auth dependencies ship ESM only.
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|jose|oauth4webapi)/)'],
  moduleNameMapper: {
    '^@stagecraft/(archive|config|kube|oci)/testing$': path.join(__dirname, 'libs/$1/src/testing/index.ts'),
    '^@stagecraft/service-([a-z]+)$': path.join(__dirname, 'services/$1/src/index.ts'),
    '^@stagecraft/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
  },
};
