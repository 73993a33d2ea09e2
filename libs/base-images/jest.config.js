module.exports = { ...require('../../jest.preset.js'), displayName: 'base-images' };
