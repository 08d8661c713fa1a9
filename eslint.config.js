// Lint gate (run by `npm test`): typescript-eslint's type-aware recommended rules
// everywhere, React hooks rules for web/, the layering of server/src
// (server/lint/module-layers.js), and eslint-config-prettier last so that formatting
// stays Prettier's job alone.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import boundaries from './server/lint/module-layers.js';

export default defineConfig(
  globalIgnores([
    'node_modules/',
    'data/',
    '**/*.data/',
    'dist/',
    'web/dist/',
    'server/src/generated/',
    'web/src/gql/',
    'coverage/',
    'test-results/',
    'scratch/',
  ]),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', '*.mjs', 'server/src/db/*.mjs', 'server/lint/*.js'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Fastify hooks, plugins and routes are async by convention (the promise is the
      // completion signal), with or without an await inside.
      '@typescript-eslint/require-await': 'off',
      // Re-raising an `unknown` caught or handed-in error as it is, is fine.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `_name` marks a parameter a signature needs but the body does not.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Imports in server/src run one way; a cycle between units is an upward import too.
    files: ['server/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { boundaries },
    rules: { 'boundaries/layered-imports': 'error' },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // React event handlers may be async (urql mutations); React ignores what they return.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  {
    // Tests read untyped JSON answers (`res.json()`, GraphQL `data`) field by field;
    // typing every one buys little, so the no-unsafe-* family is off there only.
    files: ['**/*.test.{ts,tsx}', '**/test/support/**', 'web/src/test-support/**', 'web/e2e/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Plain JavaScript (config files, the PGlite worker) has no types to check against.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
