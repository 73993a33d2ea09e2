// deploy/local is a project of its own (deploy/local/jest.config.js): this one runs deploy/test only.
module.exports = { ...require('../jest.preset.js'), displayName: 'deploy', roots: ['<rootDir>/test'] };
