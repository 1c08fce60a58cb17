import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflows, HISTORIES, tracingSinks } from './workflow-test-env';

/** Every saved history must replay on the current workflow code: a change that breaks one needs patched() or a new type. */
describe('saved workflow histories', () => {
  it('replay without nondeterminism', async () => {
    const files = (await readdir(HISTORIES)).filter((name) => name.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const bundle = await bundleWorkflows();
    const histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: file,
        history: temporal.api.history.v1.History.fromObject(JSON.parse(await readFile(join(HISTORIES, file), 'utf8'))),
      })),
    );
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, sinks: tracingSinks() }, histories)) {
      expect({ file: result.workflowId, error: result.error?.message }).toEqual({ file: result.workflowId, error: undefined });
    }
  });
});
