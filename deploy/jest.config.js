module.exports = { ...require('../jest.preset.js'), displayName: 'deploy', roots: ['<rootDir>/test'] };
