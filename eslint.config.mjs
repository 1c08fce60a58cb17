// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/libs/*/src/**', '!./**'], message: 'Import a lib by its root (libs/<name>), not its internals.' },
      ] }],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/apps/**'], message: 'Libs never import apps.' },
        { group: ['**/libs/*/src/**', '!./**'], message: 'Import a lib by its root (libs/<name>), not its internals.' },
      ] }],
    },
  },
  {
    // The API starts workflows through typed contracts and never runs them; apps never import each other.
    files: ['apps/api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['@temporalio/worker', '**/apps/worker/**', '../../worker/**', '**/workflows/src/**'], message: 'The API never imports the worker or workflow code.' },
        { group: ['**/libs/*/src/**', '!./**'], message: 'Import a lib by its root (libs/<name>), not its internals.' },
      ] }],
    },
  },
  {
    files: ['apps/worker/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/apps/api/**', '../../api/**'], message: 'Apps never import each other.' },
        { group: ['**/libs/*/src/**', '!./**'], message: 'Import a lib by its root (libs/<name>), not its internals.' },
      ] }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflow code is replayed: an allow-list, so that no new package slips in unnoticed.
    files: ['workflows/src/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [
        {
          regex: '^(?!(@temporalio/workflow|@temporalio/interceptors-opentelemetry|\\./[\\w.-]+|\\.\\./\\.\\./libs/(domain|contracts))$)',
          message: 'Workflows import only @temporalio/workflow, libs/domain, libs/contracts and their own modules.',
        },
        { group: ['@temporalio/interceptors-opentelemetry'], allowTypeImports: true, message: 'Only its types: its code loads the OpenTelemetry SDK.' },
      ] }],
    },
  },
  {
    // What workflows import must be pure too.
    files: ['libs/domain/**/*.ts', 'libs/contracts/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [
        {
          regex: '^(?!(\\./[\\w.-]+|\\./src/[\\w.-]+|\\.\\./\\.\\./domain|@temporalio/workflow|@temporalio/common)$)',
          message: 'libs/domain and libs/contracts are imported by workflows: only pure code, @temporalio/workflow and @temporalio/common.',
        },
      ] }],
    },
  },
);
