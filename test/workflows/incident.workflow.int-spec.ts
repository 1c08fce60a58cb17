import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  acknowledgeUpdate,
  incidentCommandSignal,
  incidentStateQuery,
  incidentWorkflowId,
  resolveUpdate,
  VigilSeverity,
  VigilStatus,
  type IncidentWorkflowInput,
  type RecordTransitionInput,
} from '../../libs/contracts';
import { incidentWorkflow } from '../../workflows';
import { bundleWorkflows, HISTORIES, startLocalTemporal } from './workflow-test-env';

const TASK_QUEUE = 'incident-workflow-test';

/** `VIGIL_SAVE_HISTORIES=1 npx jest test/workflows` refreshes the histories the replay test guards. */
async function saveHistory(handle: { fetchHistory(): Promise<unknown> }, name: string): Promise<void> {
  if (!process.env.VIGIL_SAVE_HISTORIES) return;
  await writeFile(join(HISTORIES, `${name}.json`), JSON.stringify(await handle.fetchHistory(), null, 1));
}

describe('incidentWorkflow', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let recorded: RecordTransitionInput[];

  beforeAll(async () => {
    [env, bundle] = await Promise.all([startLocalTemporal(), bundleWorkflows()]);
  });
  afterAll(async () => {
    await env?.teardown();
  });
  beforeEach(() => {
    recorded = [];
  });

  function input(): IncidentWorkflowInput {
    const incidentId = randomUUID();
    return { incidentId, fingerprint: 'fp', title: 'HighErrorRate: 7%', service: 'checkout', alertname: 'HighErrorRate', severity: 'critical' };
  }

  async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: bundle,
      activities: {
        recordTransition: async (transition: RecordTransitionInput) => {
          recorded.push(transition);
        },
      },
    });
    return worker.runUntil(fn);
  }

  function start(workflowInput: IncidentWorkflowInput) {
    return env.client.workflow.signalWithStart(incidentWorkflow, {
      workflowId: incidentWorkflowId(workflowInput.incidentId),
      taskQueue: TASK_QUEUE,
      args: [workflowInput],
      signal: incidentCommandSignal,
      signalArgs: [{ seq: 1, kind: 'opened', actor: 'test' }],
      typedSearchAttributes: [{ key: VigilStatus, value: 'triggered' }, { key: VigilSeverity, value: workflowInput.severity }],
    });
  }

  it('goes triggered → acknowledged → resolved through updates, persisting each transition once and in order', async () => {
    const workflowInput = input();
    const result = await withWorker(async () => {
      const handle = await start(workflowInput);
      const acked = await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: 'alice' }] });
      expect(acked.status).toBe('acknowledged');
      const resolved = await handle.executeUpdate(resolveUpdate, { args: [{ actor: 'bob' }] });
      expect(resolved.status).toBe('resolved');
      const final = await handle.result();
      await saveHistory(handle, 'incident-ack-resolve');
      return final;
    });
    expect(result.transitions.map((t) => [t.from, t.to, t.actor])).toEqual([
      [null, 'triggered', 'vigil'],
      ['triggered', 'acknowledged', 'alice'],
      ['acknowledged', 'resolved', 'bob'],
    ]);
    expect(recorded.map((r) => [r.to, r.transitionIndex])).toEqual([
      ['triggered', 1],
      ['acknowledged', 2],
      ['resolved', 3],
    ]);
  });

  it('refuses a transition the state does not allow, without changing anything', async () => {
    await withWorker(async () => {
      const handle = await start(input());
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: 'alice' }] });
      await expect(handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: 'carol' }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      const state = await handle.query(incidentStateQuery);
      expect(state.status).toBe('acknowledged');
      expect(state.transitions).toHaveLength(2);
      await handle.executeUpdate(resolveUpdate, { args: [{ actor: 'alice' }] });
    });
  });

  it('resolves on a resolve command and ignores redelivered or superseded commands', async () => {
    const workflowInput = input();
    const final = await withWorker(async () => {
      const handle = await start(workflowInput);
      await handle.signal(incidentCommandSignal, { seq: 3, kind: 'severity', actor: 'alerts', severity: 'warning' });
      await handle.signal(incidentCommandSignal, { seq: 2, kind: 'severity', actor: 'alerts', severity: 'info' });
      await handle.signal(incidentCommandSignal, { seq: 3, kind: 'severity', actor: 'alerts', severity: 'info' });
      const state = await handle.query(incidentStateQuery);
      expect(state.severity).toBe('warning');
      expect(state.lastCommandSeq).toBe(3);
      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(VigilSeverity)).toBe('warning');
      await handle.signal(incidentCommandSignal, { seq: 4, kind: 'resolve', actor: 'alertmanager', reason: 'resolved alert' });
      const result = await handle.result();
      await saveHistory(handle, 'incident-commands-resolve');
      return result;
    });
    expect(final.status).toBe('resolved');
    expect(recorded.filter((r) => r.to === 'resolved')).toHaveLength(1);
  });

  it('keeps VigilStatus current for the Temporal UI', async () => {
    await withWorker(async () => {
      const handle = await start(input());
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: 'alice' }] });
      expect((await handle.describe()).typedSearchAttributes.get(VigilStatus)).toBe('acknowledged');
      await handle.executeUpdate(resolveUpdate, { args: [{ actor: 'alice' }] });
      await handle.result();
      expect((await handle.describe()).typedSearchAttributes.get(VigilStatus)).toBe('resolved');
    });
  });
});
