import { CancelledFailure, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { activityInfo } from '@temporalio/activity';
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
  type RecordWorkflowClosedInput,
} from '../../libs/contracts';
import { updateFailure } from '../../apps/api/src/incidents/update-failure';
import { waitUntil } from '../../libs/dev-stack';
import type { IncidentStatus, Severity } from '../../libs/domain';
import { incidentWorkflow } from '../../workflows';
import { AUDIT_WORKFLOW_CLOSED_PATCH } from '../../workflows/src/incident.workflow';
import { bundleWorkflows, HISTORIES, startLocalTemporal, tracingSinks } from './workflow-test-env';

const TASK_QUEUE = 'incident-workflow-test';
const START_TO_CLOSE = temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE;

/**
 * The latest change to the workflow's code: its latest patch, or a change that needed none (as the
 * transition's time passed to recordTransition, after `transitions-outlive-cancel`).
 */
const WORKFLOW_CODE_VERSION = AUDIT_WORKFLOW_CLOSED_PATCH;

/**
 * `VIGIL_SAVE_HISTORIES=1 npx jest test/workflows` saves the histories of the current workflow code
 * for the replay test. They are named after its latest change, so the histories of earlier code stay
 * beside them: runs of every version may still be open in production.
 */
async function saveHistory(handle: { fetchHistory(): Promise<unknown> }, name: string): Promise<void> {
  if (!process.env.VIGIL_SAVE_HISTORIES) return;
  await writeFile(join(HISTORIES, `${name}.${WORKFLOW_CODE_VERSION}.json`), JSON.stringify(await handle.fetchHistory(), null, 1));
}

/** Holds the activity's attempts until opened: `waiting` resolves once one waits on it. */
function gate() {
  let open!: () => void;
  let entered!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const waiting = new Promise<void>((resolve) => (entered = resolve));
  return { open, opened, waiting, entered };
}

/**
 * Whether the run recorded every transition it started, none of them cancelled, and only then closed
 * as cancelled, with no workflow task failing or timing out on the way (the Temporal UI shows each as an error).
 */
function recordedBeforeCancelled(history: temporal.api.history.v1.IHistory): boolean {
  const events = history.events ?? [];
  const last = (has: (event: temporal.api.history.v1.IHistoryEvent) => unknown) => events.reduce((found, event, i) => (has(event) ? i : found), -1);
  const cancelled = last((e) => e.workflowExecutionCanceledEventAttributes);
  const completed = last((e) => e.activityTaskCompletedEventAttributes);
  // A task the worker could not complete (an invalid command sequence) times out rather than fails.
  const failedTask = last((e) => e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes?.timeoutType === START_TO_CLOSE);
  return cancelled > -1 && failedTask === -1 && last((e) => e.activityTaskCancelRequestedEventAttributes) === -1 && completed > last((e) => e.activityTaskScheduledEventAttributes) && completed < cancelled;
}

/**
 * The audit keys the workflow gives its transitions: per incident and status, the same in every run,
 * so another run of the incident (reset, or started afresh) never records a transition twice.
 */
function transitionKeys(workflowId: string, statuses: IncidentStatus[]): string[] {
  return statuses.map((to) => `${workflowId}:transition:${to}`);
}

describe('incidentWorkflow', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let recorded: RecordTransitionInput[];
  let closes: Array<RecordWorkflowClosedInput & { runId: string }>;
  /** While set, each recordTransition attempt waits for it to open. */
  let holding: ReturnType<typeof gate> | undefined;

  beforeAll(async () => {
    [env, bundle] = await Promise.all([startLocalTemporal(), bundleWorkflows()]);
  });
  afterAll(async () => {
    await env?.teardown();
  });
  beforeEach(() => {
    recorded = [];
    closes = [];
    holding = undefined;
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
          if (holding) {
            holding.entered();
            await holding.opened;
          }
          recorded.push(transition);
        },
        recordWorkflowClosed: async (closed: RecordWorkflowClosedInput) => {
          closes.push({ ...closed, runId: activityInfo().workflowExecution!.runId });
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

  /** An incident whose triggered state is recorded, and alice's acknowledgement held while it is recorded (within `withWorker`). */
  async function acknowledgementBeingRecorded() {
    const handle = await start(input());
    await waitUntil(async () => recorded.length === 1, { description: 'the triggered state recorded', timeoutMs: 10_000, intervalMs: 20 });
    const held = gate();
    holding = held;
    const acknowledged = handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: 'alice' }] });
    await held.waiting;
    return { handle, acknowledged, release: held.open };
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
      expect(recorded.map((r) => r.idempotencyKey)).toEqual(transitionKeys(handle.workflowId, ['triggered', 'acknowledged', 'resolved']));
      return final;
    });
    expectAckedByAliceResolvedByBob(result);
  });

  it('refuses a transition the state does not allow, without changing anything', async () => {
    await withWorker(async () => {
      const handle = await start(input());
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: 'alice' }] });
      const refusal = await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: 'carol' }] }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
      // What the API answers the 409 with: the workflow's status, which the record may not show yet.
      expect(updateFailure(refusal as WorkflowUpdateFailedError)).toEqual({
        outcome: 'rejected',
        reason: 'incident is acknowledged; cannot move to acknowledged',
        currentStatus: 'acknowledged',
      });
      const state = await handle.query(incidentStateQuery);
      expect(state.status).toBe('acknowledged');
      expect(state.transitions).toHaveLength(2);
      await handle.executeUpdate(resolveUpdate, { args: [{ actor: 'alice' }] });
    });
  });

  it('ignores a malformed command and refuses a malformed update, as sent by hand from the Temporal UI or CLI, and keeps working', async () => {
    await withWorker(async () => {
      const handle = await start(input());
      const pick = ({ status, severity, lastCommandSeq }: IncidentLiveState) => ({ status, severity, lastCommandSeq });
      const before = pick(await handle.query(incidentStateQuery));
      for (const malformed of [null, { kind: 'resolve', reason: 'no actor' }, { seq: 99, kind: 'severity', actor: 'ops', severity: 'bogus' }, { seq: 1.5, kind: 'opened', actor: 'ops' }]) {
        await handle.signal(incidentCommandSignal, malformed as never);
      }
      expect(pick(await handle.query(incidentStateQuery))).toEqual(before);
      expect(before.status).toBe('triggered');
      for (const request of [{}, null, { actor: '  ' }]) {
        const refusal = await handle.executeUpdate(acknowledgeUpdate, { args: [request as never] }).catch((error: unknown) => error);
        expect(updateFailure(refusal as WorkflowUpdateFailedError)).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('actor') });
      }
      expect((await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: 'alice' }] })).status).toBe('acknowledged');
      await handle.executeUpdate(resolveUpdate, { args: [{ actor: 'alice' }] });
      expect((await handle.result()).status).toBe('resolved');
    });
    expect(recorded.map((r) => r.actor)).not.toContain(undefined);
  });

  it('ignores a command and refuses an update whose actor cannot be recorded, so later transitions are not held up behind it', async () => {
    await withWorker(async () => {
      const handle = await start(input());
      const { lastCommandSeq } = await handle.query(incidentStateQuery);
      await handle.signal(incidentCommandSignal, { seq: 5, kind: 'resolve', actor: 'ops\u0000', reason: 'by hand' });
      expect(await handle.query(incidentStateQuery)).toMatchObject({ status: 'triggered', lastCommandSeq });
      for (const actor of ['ops\ud800', 'x'.repeat(257)]) {
        const refusal = await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor }] }).catch((error: unknown) => error);
        expect(updateFailure(refusal as WorkflowUpdateFailedError)).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('NUL character or lone surrogate') });
      }
      expect((await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: 'alice' }] })).status).toBe('acknowledged');
      await handle.signal(incidentCommandSignal, { seq: 6, kind: 'resolve', actor: 'alertmanager', reason: 'resolved alert' });
      expect((await handle.result()).status).toBe('resolved');
      await saveHistory(handle, 'incident-unrecordable-actor');
    });
    expect(recorded.map((r) => [r.to, r.actor])).toEqual([
      ['triggered', 'vigil'],
      ['acknowledged', 'alice'],
      ['resolved', 'alertmanager'],
    ]);
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

  it('closes as cancelled when cancelled (the Temporal UI) while recording a transition, once the transition is recorded', async () => {
    holding = gate();
    const workflowInput = input();
    await withWorker(async () => {
      const handle = await start(workflowInput);
      await holding!.waiting;
      await handle.cancel();
      holding!.open();
      const closed = await handle.result().catch((error: unknown) => error);
      await saveHistory(handle, 'incident-cancelled-while-recording');
      expect(closed).toBeInstanceOf(WorkflowFailedError);
      expect((closed as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect(recordedBeforeCancelled(await handle.fetchHistory())).toBe(true);
      // On record as closed, once, by the run itself, keyed by it.
      const { runId } = await handle.describe();
      expect(closes).toEqual([{ incidentId: workflowInput.incidentId, reason: 'cancelled', status: 'triggered', idempotencyKey: `${handle.workflowId}:${runId}:closed`, runId }]);
    });
    expect(recorded.map((r) => r.to)).toEqual(['triggered']);
  });

  it('answers an acknowledgement under way when it is cancelled, records it, and then closes as cancelled', async () => {
    await withWorker(async () => {
      const { handle, acknowledged, release } = await acknowledgementBeingRecorded();
      await handle.cancel();
      release();
      expect((await acknowledged).status).toBe('acknowledged');
      const closed = await handle.result().catch((error: unknown) => error);
      await saveHistory(handle, 'incident-cancelled-during-acknowledge');
      expect((closed as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect(recordedBeforeCancelled(await handle.fetchHistory())).toBe(true);
      // Recorded as closed once the acknowledgement is: with the status it left.
      expect(closes.map((c) => [c.reason, c.status, c.idempotencyKey])).toEqual([['cancelled', 'acknowledged', `${handle.workflowId}:${(await handle.describe()).runId}:closed`]]);
    });
    expect(recorded.map((r) => [r.to, r.actor])).toEqual([['triggered', 'vigil'], ['acknowledged', 'alice']]);
  });

  it('answers an acknowledgement with the state it left, when a resolve command arrives while it is recorded', async () => {
    await withWorker(async () => {
      const { handle, acknowledged, release } = await acknowledgementBeingRecorded();
      await handle.signal(incidentCommandSignal, { seq: 2, kind: 'resolve', actor: 'alertmanager', reason: 'resolved alert' });
      await waitUntil(async () => (await handle.query(incidentStateQuery)).status === 'resolved', { description: 'the resolve applied', timeoutMs: 10_000, intervalMs: 20 });
      release();
      const answer = await acknowledged;
      expect(answer.status).toBe('acknowledged');
      expect(answer.transitions.map((t) => t.to)).toEqual(['triggered', 'acknowledged']);
      expect((await handle.result()).status).toBe('resolved');
      await saveHistory(handle, 'incident-resolved-while-acknowledging');
    });
    expect(recorded.map((r) => [r.to, r.actor])).toEqual([['triggered', 'vigil'], ['acknowledged', 'alice'], ['resolved', 'alertmanager']]);
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
        expect(recorded.map((r) => r.idempotencyKey)).toEqual(transitionKeys(handle.workflowId, ['triggered', 'acknowledged', 'resolved']));
        return result;
      }, smallHistories);
      expectAckedByAliceResolvedByBob(final);
    });
  });
});
