import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  acknowledgeUpdate,
  incidentCommandSignal,
  incidentStateQuery,
  incidentTransitionKey,
  isIncidentCommand,
  isRecordableActor,
  resolveUpdate,
  transitionRequestProblem,
  INVALID_REQUEST,
  TRANSITION_NOT_ALLOWED,
  VigilSeverity,
  VigilStatus,
  workflowClosedKey,
  type IncidentActivities,
  type IncidentCommand,
  type IncidentLiveState,
  type IncidentWorkflowInput,
} from '../../libs/contracts';
import { canTransition, type IncidentStatus } from '../../libs/domain';

const { recordTransition, recordWorkflowClosed } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Runs started before continue-as-new kept going past suggestions; their histories must replay so. */
export const CONTINUE_AS_NEW_PATCH = 'continue-as-new-when-suggested';

/** Runs started before it key their transitions' audit events by workflow id alone, and must replay so. */
export const TRANSITION_KEY_PER_RUN_PATCH = 'transition-key-per-run';

/**
 * Runs started before it key their transitions' audit events per run (or, before that, by workflow id
 * and index), and must replay so. A run that does again what an earlier run of the incident did (a
 * reset, a run started afresh once Temporal forgot the last) records a transition only once.
 */
export const TRANSITION_KEY_PER_STATUS_PATCH = 'transition-key-per-status';

/**
 * Runs started before it let a cancel request cut short the recording of a transition (each of their
 * workflow tasks then failed on the cancelled recording until it finished anyway), and must replay so.
 */
export const TRANSITIONS_OUTLIVE_CANCEL_PATCH = 'transitions-outlive-cancel';

/** Runs started before it took a command whose actor cannot be recorded (sent by hand), and must replay so. */
export const RECORDABLE_ACTORS_PATCH = 'recordable-actors';

/** Runs started before it closed on a cancel request with nothing in the audit log, and must replay so. */
export const AUDIT_WORKFLOW_CLOSED_PATCH = 'audit-workflow-closed';

/**
 * What the Temporal UI shows as the incident's current details: what changes (the summary is fixed
 * at start), and what the incident is about, since a run that continued as new has no summary.
 * Current details are answered by a query, not recorded in history.
 */
function showState(input: IncidentWorkflowInput, state: IncidentLiveState): void {
  const actor = state.transitions.at(-1)?.actor ?? 'vigil';
  setCurrentDetails(`**${state.status}** by ${actor} · severity **${state.severity}**\n\n${input.service}: ${input.title}`);
}

/**
 * One incident, from its first alert until it is resolved: triggered → acknowledged → resolved.
 * The workflow owns the state; each transition is persisted (PostgreSQL row + audit event) by an activity.
 *
 * A long-lived incident (an alert whose severity flaps for days) would grow its history toward
 * Temporal's limit, so when the server suggests it the run continues as new, carrying its state
 * on under the same workflow id; the API, the outbox and the Temporal UI always reach the latest run.
 */
export async function incidentWorkflow(input: IncidentWorkflowInput): Promise<IncidentLiveState> {
  const mayContinueAsNew = patched(CONTINUE_AS_NEW_PATCH);
  const keyPerRun = patched(TRANSITION_KEY_PER_RUN_PATCH);
  const outliveCancel = patched(TRANSITIONS_OUTLIVE_CANCEL_PATCH);
  const keyPerStatus = patched(TRANSITION_KEY_PER_STATUS_PATCH);
  const state: IncidentLiveState = input.continued ?? {
    incidentId: input.incidentId,
    status: 'triggered',
    severity: input.severity,
    lastCommandSeq: 0,
    transitions: [],
  };
  // Transitions are persisted strictly in the order they happen, even when handlers overlap.
  let persisted: Promise<void> = Promise.resolve();

  function moveTo(to: IncidentStatus, actor: string): Promise<void> {
    const from = state.transitions.length === 0 ? null : state.status;
    state.status = to;
    const at = new Date().toISOString();
    const transitionIndex = state.transitions.push({ from, to, actor, at });
    upsertSearchAttributes([{ key: VigilStatus, value: to }]);
    showState(input, state);
    const { incidentId } = input;
    const { workflowId, runId } = workflowInfo();
    // Per incident and status, which it reaches once (statuses only move forward): the same move
    // recorded again by another run of the incident is the same fact.
    const idempotencyKey = keyPerStatus ? incidentTransitionKey(workflowId, to) : keyPerRun ? `${workflowId}:${runId}:transition:${transitionIndex}` : undefined;
    const transition = { incidentId, from, to, actor, transitionIndex, idempotencyKey, at };
    // A transition taken is a fact: a cancel request waits for it to be recorded rather than cut it short.
    persisted = persisted.then(() => (outliveCancel ? CancellationScope.nonCancellable(() => recordTransition(transition)) : recordTransition(transition)));
    return persisted;
  }

  /**
   * An update's answer: the state its own change left, once recorded. A resolved alert's command
   * may move the incident on while an acknowledgement is being recorded; the responder is still
   * told what their acknowledgement did.
   */
  async function answerOnceRecorded(to: IncidentStatus, actor: string): Promise<IncidentLiveState> {
    const recorded = moveTo(to, actor);
    const after = { ...state, transitions: [...state.transitions] };
    await recorded;
    return after;
  }

  function assertCanMoveTo(to: IncidentStatus, request: unknown): void {
    // One sent by hand (the Temporal UI's Update) with no actor would move the state, and then fail
    // to be recorded for good: the audit log names who made each change.
    const problem = transitionRequestProblem(request);
    if (problem) throw ApplicationFailure.nonRetryable(problem, INVALID_REQUEST);
    if (!canTransition(state.status, to)) {
      // The status in the details too: the caller's record may not show it yet. (Validators leave no history.)
      throw ApplicationFailure.nonRetryable(`incident is ${state.status}; cannot move to ${to}`, TRANSITION_NOT_ALLOWED, { currentStatus: state.status });
    }
  }

  function applyCommand(command: IncidentCommand): void {
    // Vigil's outbox sends only well-formed commands; one sent by hand (Temporal UI or CLI) may not be.
    if (!isIncidentCommand(command)) {
      log.warn('ignored a malformed incidentCommand signal', { command: command as unknown });
      return;
    }
    // patched() only here: histories without such a command replay the same either way.
    if (!isRecordableActor(command.actor) && patched(RECORDABLE_ACTORS_PATCH)) {
      log.warn('ignored an incidentCommand signal whose actor cannot be recorded', { seq: command.seq, kind: command.kind });
      return;
    }
    // The outbox id grows per incident: an id at or below the last applied one is a redelivery.
    if (command.seq <= state.lastCommandSeq) return;
    state.lastCommandSeq = command.seq;
    if (command.kind === 'severity') {
      state.severity = command.severity;
      upsertSearchAttributes([{ key: VigilSeverity, value: command.severity }]);
      showState(input, state);
    } else if (command.kind === 'resolve' && canTransition(state.status, 'resolved')) {
      void moveTo('resolved', command.actor);
    }
  }

  /** Until every transition so far is persisted and no update handler is still running. */
  async function settled(): Promise<void> {
    for (;;) {
      const pending = persisted;
      await pending;
      await condition(allHandlersFinished);
      if (pending === persisted) return;
    }
  }

  if (input.continued) {
    showState(input, state);
  } else {
    void moveTo('triggered', 'vigil');
  }
  setHandler(incidentStateQuery, () => state);
  setHandler(incidentCommandSignal, applyCommand);
  setHandler(acknowledgeUpdate, ({ actor }) => answerOnceRecorded('acknowledged', actor), { validator: (request) => assertCanMoveTo('acknowledged', request) });
  setHandler(resolveUpdate, ({ actor }) => answerOnceRecorded('resolved', actor), { validator: (request) => assertCanMoveTo('resolved', request) });

  try {
    await condition(() => state.status === 'resolved' || (mayContinueAsNew && workflowInfo().continueAsNewSuggested));
    await settled();
  } catch (error) {
    if (!outliveCancel || !isCancellation(error)) throw error;
    // Cancelled (in the Temporal UI, say): closes as cancelled once every transition taken is
    // recorded and every update under way has its answer, and (patched() only here: runs never
    // cancelled replay the same either way) once the audit log says so.
    await CancellationScope.nonCancellable(settled);
    if (patched(AUDIT_WORKFLOW_CLOSED_PATCH)) {
      const { workflowId, runId } = workflowInfo();
      const closed = { incidentId: input.incidentId, reason: 'cancelled' as const, status: state.status, idempotencyKey: workflowClosedKey(workflowId, runId) };
      await CancellationScope.nonCancellable(() => recordWorkflowClosed(closed));
    }
    throw error;
  }
  if (state.status === 'resolved') return state;
  return continueAsNew<typeof incidentWorkflow>({ ...input, continued: state });
}
