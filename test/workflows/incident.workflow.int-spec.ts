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
  type IncidentLiveState,
  type IncidentWorkflowInput,
  type RecordTransitionInput,
} from '../../libs/contracts';
import { waitUntil } from '../../libs/dev-stack';
import type { Severity } from '../../libs/domain';
import { incidentWorkflow } from '../../workflows';
import { TRANSITION_KEY_PER_RUN_PATCH } from '../../workflows/src/incident.workflow';
import { bundleWorkflows, HISTORIES, startLocalTemporal, tracingSinks } from './workflow-test-env';

const TASK_QUEUE = 'incident-workflow-test';

/**
 * `VIGIL_SAVE_HISTORIES=1 npx jest test/workflows` saves the histories of the current workflow code
 * for the replay test. They are named after its latest patch, so the histories of earlier code stay
 * beside them: runs of every version may still be open in production.
 */
async function saveHistory(handle: { fetchHistory(): Promise<unknown> }, name: string): Promise<void> {
  if (!process.env.VIGIL_SAVE_HISTORIES) return;
  await writeFile(join(HISTORIES, `${name}.${TRANSITION_KEY_PER_RUN_PATCH}.json`), JSON.stringify(await handle.fetchHistory(), null, 1));
}

/** The audit keys the workflow gives its transitions: per run, so a fresh run under the same id never reuses one. */
function transitionKeys(workflowId: string, runIds: string[]): string[] {
  return runIds.map((runId, i) => `${workflowId}:${runId}:transition:${i + 1}`);
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

  async function withWorker<T>(fn: () => Promise<T>, server: TestWorkflowEnvironment = env): Promise<T> {
    const worker = await Worker.create({
      connection: server.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: bundle,
      sinks: tracingSinks(),
      activities: {
        recordTransition: async (transition: RecordTransitionInput) => {
          recorded.push(transition);
        },
      },
    });
    return worker.runUntil(fn);
  }

  function start(workflowInput: IncidentWorkflowInput, server: TestWorkflowEnvironment = env) {
    return server.client.workflow.signalWithStart(incidentWorkflow, {
      workflowId: incidentWorkflowId(workflowInput.incidentId),
      taskQueue: TASK_QUEUE,
      args: [workflowInput],
      signal: incidentCommandSignal,
      signalArgs: [{ seq: 1, kind: 'opened', actor: 'test' }],
      typedSearchAttributes: [{ key: VigilStatus, value: 'triggered' }, { key: VigilSeverity, value: workflowInput.severity }],
    });
  }

  /** Each transition in the final state, and persisted exactly once, in order. */
  function expectAckedByAliceResolvedByBob(final: IncidentLiveState): void {
    expect(final.transitions.map((t) => [t.from, t.to, t.actor])).toEqual([
      [null, 'triggered', 'vigil'],
      ['triggered', 'acknowledged', 'alice'],
      ['acknowledged', 'resolved', 'bob'],
    ]);
    expect(recorded.map((r) => [r.to, r.transitionIndex])).toEqual([
      ['triggered', 1],
      ['acknowledged', 2],
      ['resolved', 3],
    ]);
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
      expect(recorded.map((r) => r.idempotencyKey)).toEqual(transitionKeys(handle.workflowId, Array(3).fill(handle.signaledRunId)));
      return final;
    });
    expectAckedByAliceResolvedByBob(result);
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

  describe('when Temporal suggests continuing as new', () => {
    let smallHistories: TestWorkflowEnvironment;

    beforeAll(async () => {
      // The server suggests continue-as-new past this many history events (default 4,096 or so).
      smallHistories = await startLocalTemporal(['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=30']);
    });
    afterAll(async () => {
      await smallHistories?.teardown();
    });

    it('carries the incident on in a new run: state, search attributes and transitions, none persisted twice', async () => {
      const workflowInput = input();
      const final = await withWorker(async () => {
        const handle = await start(workflowInput, smallHistories);
        const firstRunId = handle.signaledRunId;
        const flaps: Severity[] = ['warning', 'critical', 'high', 'warning', 'critical', 'high', 'warning', 'info'];
        for (const [i, severity] of flaps.entries()) {
          await handle.signal(incidentCommandSignal, { seq: i + 2, kind: 'severity', actor: 'alerts', severity });
        }
        await waitUntil(async () => (await handle.describe()).runId !== firstRunId, { description: 'the run to continue as new', timeoutMs: 20_000, intervalMs: 100 });
        const carried = await handle.query(incidentStateQuery);
        expect(carried).toMatchObject({ status: 'triggered', severity: 'info', lastCommandSeq: flaps.length + 1 });
        const description = await handle.describe();
        expect(description.typedSearchAttributes.get(VigilSeverity)).toBe('info');
        expect(description.typedSearchAttributes.get(VigilStatus)).toBe('triggered');
        // The new run has no summary (continue-as-new cannot carry one): its current details say what the incident is.
        const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
        expect(metadata.currentDetails).toBe(`**triggered** by vigil · severity **info**\n\n${workflowInput.service}: ${workflowInput.title}`);
        const firstRun = smallHistories.client.workflow.getHandle(handle.workflowId, firstRunId);
        expect((await firstRun.fetchHistory()).events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
        await saveHistory(firstRun, 'incident-continue-as-new-first-run');

        await handle.signal(incidentCommandSignal, { seq: 3, kind: 'severity', actor: 'alerts', severity: 'critical' });
        expect((await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: 'alice' }] })).severity).toBe('info');
        await handle.executeUpdate(resolveUpdate, { args: [{ actor: 'bob' }] });
        const result = await handle.result();
        await saveHistory(handle, 'incident-continued-run-resolved');
        const secondRunId = (await handle.describe()).runId;
        expect(recorded.map((r) => r.idempotencyKey)).toEqual(transitionKeys(handle.workflowId, [firstRunId, secondRunId, secondRunId]));
        return result;
      }, smallHistories);
      expectAckedByAliceResolvedByBob(final);
    });
  });
});
