// Pre-builds the workflow bundle at `npm run build`, so the worker starts without bundling (STYLE: production loads a pre-built bundle).
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { WORKFLOW_BUNDLE_PATH, WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH, workflowWebpackConfig } from '../apps/worker/src/workflow-source';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    webpackConfigHook: workflowWebpackConfig,
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error },
  });
  await writeFile(WORKFLOW_BUNDLE_PATH, code);
  console.log(`workflow bundle written to ${WORKFLOW_BUNDLE_PATH}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
