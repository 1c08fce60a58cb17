// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const serverSide = ['@nestjs/*', 'typeorm', 'pg', '@opentelemetry/sdk*', '@opentelemetry/exporter*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'pino', 'zod'];

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
    // Workflow code is replayed: only @temporalio/workflow, the pure libs and activity types.
    files: ['workflows/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: serverSide, message: 'Workflows import only @temporalio/workflow, libs/domain, libs/contracts and activity types.' },
        { group: ['**/libs/*', '!**/libs/domain', '!**/libs/contracts'], message: 'Workflows may import only libs/domain and libs/contracts.' },
        { group: ['**/apps/**'], message: 'Workflows never import apps.' },
      ] }],
    },
  },
);
