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
        { group: ['**/apps/*/**', '../../apps/**'], message: 'Libs and workflows never import apps.' },
        { group: ['**/libs/*/src/**', '!./**'], message: 'Import a lib by its root (libs/<name>), not its internals.' },
      ] }],
    },
  },
  {
    // Workflow code is replayed: only @temporalio/workflow, the pure libs and activity types.
    files: ['workflows/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: serverSide, message: 'Workflows import only @temporalio/workflow, libs/domain, libs/contracts and activity types.' },
        { group: ['**/libs/*', '!**/libs/domain', '!**/libs/contracts'], message: 'Workflows may import only libs/domain and libs/contracts.' },
      ] }],
    },
  },
);
