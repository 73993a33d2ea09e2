// `npm test` runs every project's specs in one Jest run (two workers, see package.json).
module.exports = {
  // A global option: Jest ignores it inside project configs. Integration specs start services.
  testTimeout: 30_000,
  projects: [
    '<rootDir>/libs/*/jest.config.js',
    '<rootDir>/services/*/jest.config.js',
    '<rootDir>/gateway/jest.config.js',
    '<rootDir>/deploy/jest.config.js',
    '<rootDir>/deploy/local/jest.config.js',
  ],
};
