import { rm } from 'node:fs/promises';
import { pgCtlIsRunning, pgCtlStop } from '../libs/dev-stack';

/** Stops the clusters global setup started (an outage test may have left one stopped) and deletes their folder. */
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__VIGIL_TEST_STACK__;
  if (!stack) return;
  globalThis.__VIGIL_TEST_STACK__ = undefined;
  stack.detach();
  const clusters = stack.clusters.splice(0);
  await Promise.all(
    clusters.map(async (cluster) => {
      if (await pgCtlIsRunning(cluster.pgCtl)) await pgCtlStop(cluster.pgCtl, 'fast');
    }),
  );
  await rm(stack.root, { recursive: true, force: true });
}
