import { existsSync } from 'node:fs';
import type { BundleOptions, Logger } from '@temporalio/worker';
import { join } from 'node:path';

/** Where the workflow code lives; the bundle script and the worker agree on it through this file. */
export const WORKFLOWS_PATH = require.resolve('../../../workflows');
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../../../workflows/src/interceptors')];

/** The pre-built bundle `npm run build` writes next to the compiled workflows (dist/workflow-bundle.js). */
export const WORKFLOW_BUNDLE_PATH = join(__dirname, '../../../workflow-bundle.js');

export function prebuiltBundleExists(): boolean {
  return __filename.endsWith('.js') && existsSync(WORKFLOW_BUNDLE_PATH);
}

/**
 * How the workflow code is bundled everywhere (the pre-built bundle, the worker's own bundling,
 * the replay tests): webpack's production mode, unminified. In the sandbox every workflow
 * instantiates the bundle's modules afresh, so fewer, concatenated modules (tree-shaken, scope
 * hoisted) cost less per workflow: measured 12 % less worker CPU per new incident. Export names
 * stay as written, since workflows are looked up by name.
 */
export const workflowWebpackConfig: NonNullable<BundleOptions['webpackConfigHook']> = (config) => ({
  ...config,
  mode: 'production',
  optimization: { ...config.optimization, minimize: false, mangleExports: false },
});

/** What the bundle script and the tests bundle: the workflow code as the worker runs it, quiet but for `warn` and errors. */
export function workflowBundleOptions(warn: Logger['warn']): BundleOptions {
  return {
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    webpackConfigHook: workflowWebpackConfig,
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn, error: console.error },
  };
}
