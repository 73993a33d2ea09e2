// ESLint flat config: typescript-eslint, import sorting, unused imports, Prettier compatibility,
// and Nx module boundaries (a service never imports another service; libs never import apps).
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import unusedImports from 'eslint-plugin-unused-imports';
import tseslint from 'typescript-eslint';

const boundaries = (allow = []) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow,
    depConstraints: [
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:launcher', onlyDependOnLibsWithTags: ['type:lib', 'type:app'] },
      // The web console talks to the platform only over its public API (generated types).
      { sourceTag: 'type:console', onlyDependOnLibsWithTags: [] },
    ],
  },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'coverage/**', '.stagecraft/**', '.nx/**', 'bench/results/**', 'test-results/**', 'console/src/graphql-env.d.ts'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.mjs', '**/*.js', '**/*.cjs'],
    plugins: { '@nx': nx, 'simple-import-sort': simpleImportSort, 'unused-imports': unusedImports },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(),
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      'unused-imports/no-unused-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    // Whole-platform specs and benchmarks start every service in one process on purpose.
    files: ['**/*.e2e-spec.ts', 'gateway/test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(['@stagecraft/service-*']) },
  },
  {
    // The console's browser suite builds its test package with the shared test apps, by path:
    // Playwright loads TypeScript itself, and @stagecraft/testing's index would load NATS and pg.
    files: ['console/e2e/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // Config files reach the shared presets by path; they are not part of any project's code.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@nx/enforce-module-boundaries': 'off' },
  },
  prettier,
);
