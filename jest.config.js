// `npm test` runs every project's specs in one Jest run (two workers, see package.json).
module.exports = {
  projects: [
    '<rootDir>/libs/*/jest.config.js',
    '<rootDir>/services/*/jest.config.js',
    '<rootDir>/gateway/jest.config.js',
    '<rootDir>/deploy/jest.config.js',
    '<rootDir>/deploy/local/jest.config.js',
  ],
};
