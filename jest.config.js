// `npm test` runs every project's specs in one Jest run (two workers, see package.json).
module.exports = {
  // A global option: Jest ignores it inside project configs. Integration specs start services.
  testTimeout: 30_000,
  // One authenticated nats-server for the whole run (integration and e2e specs talk to it).
  globalSetup: '<rootDir>/jest.global-setup.cjs',
  globalTeardown: '<rootDir>/jest.global-teardown.cjs',
  projects: [
    '<rootDir>/libs/*/jest.config.js',
    '<rootDir>/services/*/jest.config.js',
    '<rootDir>/gateway/jest.config.js',
    '<rootDir>/deploy/jest.config.js',
    '<rootDir>/deploy/local/jest.config.js',
    '<rootDir>/deploy/assembler/jest.config.js',
  ],
};
