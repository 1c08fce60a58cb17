import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where the workflow code lives; the bundle script and the worker agree on it through this file. */
export const WORKFLOWS_PATH = require.resolve('../../../workflows');
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../../../workflows/src/interceptors')];

/** The pre-built bundle `npm run build` writes next to the compiled workflows (dist/workflow-bundle.js). */
export const WORKFLOW_BUNDLE_PATH = join(__dirname, '../../../workflow-bundle.js');

export function prebuiltBundleExists(): boolean {
  return __filename.endsWith('.js') && existsSync(WORKFLOW_BUNDLE_PATH);
}
