// Lint for the whole repository: typescript-eslint's recommended type-aware rules on src/ and the public-types test,
// its recommended syntactic rules on the tests (which handle untyped wire data on purpose), the recommended
// JavaScript rules on scripts, bench and the editor's browser code; Prettier owns the layout.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'docs/api/', '.node-red-user/', 'test/artifacts/', 'bench/results.json'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    ignores: ['test/**/*.ts', 'bench/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Passing on what was caught, or an AbortSignal's reason, keeps the error as it was; only-throw-error allows the
      // same for throw. A literal (reject('timeout')) is still refused.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    extends: [...tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node, ...globals.mocha } },
    rules: {
      // Tests load package.json, examples and modules where they need them (a lazy require() in a test), and
      // `import x = require(...)` is TypeScript's own CommonJS import, typed like any other.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['test/types/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // The types test declares values to read their types, and calls wrong things on purpose (@ts-expect-error).
      '@typescript-eslint/no-unused-vars': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node, ...globals.mocha } },
  },
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    files: ['resources/**/*.js', 'src/**/*.html.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, RED: 'readonly', $: 'readonly', jQuery: 'readonly' } },
  },
  prettier,
);
