import { loadConfig } from '@stagecraft/config';

import { BuildsConfig } from './config';

/** The least the builds service needs to start: its database and its NATS identity. */
const BASE = { DATABASE_URL: 'postgres://builds@127.0.0.1/builds', NATS_NKEY_SEED_FILE: '/run/nats/builds.nk' };

describe('BuildsConfig: the package registries dependency installs use', () => {
  it('defaults to the public npm registry and PyPI; a mirror’s URL replaces them', () => {
    expect(loadConfig(BuildsConfig, BASE)).toMatchObject({
      BUILD_NPM_REGISTRY: 'https://registry.npmjs.org/',
      BUILD_PIP_INDEX_URL: 'https://pypi.org/simple',
    });
    expect(loadConfig(BuildsConfig, { ...BASE, BUILD_NPM_REGISTRY: 'http://verdaccio.internal:4873/' }).BUILD_NPM_REGISTRY).toBe(
      'http://verdaccio.internal:4873/',
    );
  });

  it.each([
    ['BUILD_NPM_REGISTRY', 'https://deploy:s3cret@npm.internal/'],
    ['BUILD_PIP_INDEX_URL', 'https://user:token@pypi.internal/simple'],
    ['BUILD_NPM_REGISTRY', 'registry.npmjs.org'],
    ['BUILD_PIP_INDEX_URL', 'ftp://pypi.internal/simple'],
  ])(
    '%s=%s is refused: the install (and the base image it runs in) sees the URL, so no credential may be in it',
    (name, value) => {
      // The error names the variable and the rule, never the value (it may hold a password).
      expect(() => loadConfig(BuildsConfig, { ...BASE, [name]: value })).toThrow(`${name}: fails matches`);
      expect(() => loadConfig(BuildsConfig, { ...BASE, [name]: value })).not.toThrow(value);
    },
  );
});
