// Pre-builds the workflow bundle at `npm run build`, so the worker starts without bundling (STYLE: production loads a pre-built bundle).
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { WORKFLOW_BUNDLE_PATH, workflowBundleOptions } from '../apps/worker/src/workflow-source';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode(workflowBundleOptions(console.warn));
  await writeFile(WORKFLOW_BUNDLE_PATH, code);
  console.log(`workflow bundle written to ${WORKFLOW_BUNDLE_PATH}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
