import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { incidentChainId, type AuditLog } from '../../../../libs/audit';
import { isRecordableActor, type IncidentActivities, type RecordTransitionInput, type RecordWorkflowClosedInput } from '../../../../libs/contracts';
import { isAtOrPast } from '../../../../libs/domain';
import { moveIncidentForward, type IncidentRecord } from '../../../../libs/persistence';
import { activeTraceFields } from '../../../../libs/telemetry';

export interface IncidentActivityDeps {
  dataSource: DataSource;
  auditLog: AuditLog;
}

/**
 * What the record already said, when it was at this transition's status or past it by someone else's
 * hand: a resolved alert can resolve the record a moment before the workflow takes a responder's
 * resolve. The audit event then names both, so the log and the record agree on who came first.
 */
function recordAhead(row: IncidentRecord | null, input: RecordTransitionInput) {
  // Every record starts at triggered: there is nobody to name.
  if (!row || row.status === 'triggered' || !isAtOrPast(row.status, input.to)) return null;
  const [by, at] = row.status === 'resolved' ? [row.resolvedBy, row.resolvedAt] : [row.acknowledgedBy, row.acknowledgedAt];
  if (row.status === input.to && by === input.actor) return null;
  return { status: row.status, by, at: at?.toISOString() ?? null };
}

/**
 * Moves the incident row forward (never back: intake may already have resolved it) and records
 * the state change in the audit log, in one transaction. Keyed by the incident and the status it
 * moves to (runs of older code: by the run and the transition's index, or by the workflow id and the
 * index; see RecordTransitionInput), so a retried attempt changes nothing twice.
 */
async function recordTransition(deps: IncidentActivityDeps, input: RecordTransitionInput): Promise<void> {
  const { workflowExecution } = Context.current().info;
  if (!workflowExecution) throw ApplicationFailure.nonRetryable('recordTransition runs only inside an incident workflow');
  await deps.dataSource.transaction(async (manager) => {
    const at = input.at === undefined ? undefined : new Date(input.at);
    const before = await moveIncidentForward(manager, { incidentId: input.incidentId, to: input.to, actor: input.actor, runId: workflowExecution.runId, at });
    const ahead = recordAhead(before, input);
    await deps.auditLog.append(
      {
        chainId: incidentChainId(input.incidentId),
        type: 'incident.status_changed',
        actor: input.actor,
        incidentId: input.incidentId,
        ...activeTraceFields(),
        workflowId: workflowExecution.workflowId,
        runId: workflowExecution.runId,
        data: ahead ? { from: input.from, to: input.to, recordAlready: ahead } : { from: input.from, to: input.to },
        idempotencyKey: input.idempotencyKey ?? `${workflowExecution.workflowId}:transition:${input.transitionIndex}`,
      },
      manager,
    );
  });
}

/** Who asked Temporal to cancel the run, why and when, as its history says; null when it cannot be read. */
interface CancelRequest {
  identity: string | null;
  reason: string | null;
  at: string | null;
}

/** Text Temporal took from whoever sent the request, kept only when the audit log can store it. */
const recordableText = (value: string | null | undefined): string | null => (value && isRecordableActor(value) ? value : null);

/**
 * The run's latest cancel request, read from the end of its history with the worker's client: the
 * workflow is not told who sent it (SDK 1.24 drops even its reason). The identity is what the sender's
 * Temporal client named itself (the CLI `temporal-cli:<user>@<host>`, an SDK client `<pid>@<host>`), not
 * an authenticated user. Best effort: closing the run is not held up by a history that cannot be read.
 */
async function cancelRequest(): Promise<CancelRequest | null> {
  const { info } = Context.current();
  try {
    const { history } = await Context.current().client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: info.namespace,
      execution: info.workflowExecution,
      maximumPageSize: 1000,
    });
    const event = history?.events?.find((e) => e.workflowExecutionCancelRequestedEventAttributes);
    if (!event) return null;
    const { identity, cause } = event.workflowExecutionCancelRequestedEventAttributes!;
    const seconds = event.eventTime?.seconds;
    const at = seconds === undefined || seconds === null ? null : new Date(Number(seconds) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6)).toISOString();
    return { identity: recordableText(identity), reason: recordableText(cause), at };
  } catch (error) {
    Context.current().log.warn('could not read the cancel request from the run\'s history', { error: String(error) });
    return null;
  }
}

/**
 * Records in the incident's audit log that its workflow run closed without resolving it (a cancel
 * request from the Temporal UI or CLI), with the incident's status then and the request as Temporal
 * has it. Keyed per run: a retried attempt appends nothing twice. Later changes are made without a
 * workflow (the record decides).
 */
async function recordWorkflowClosed(deps: IncidentActivityDeps, input: RecordWorkflowClosedInput): Promise<void> {
  const { workflowExecution } = Context.current().info;
  if (!workflowExecution) throw ApplicationFailure.nonRetryable('recordWorkflowClosed runs only inside an incident workflow');
  await deps.auditLog.append({
    chainId: incidentChainId(input.incidentId),
    type: 'workflow.closed',
    // Temporal, on someone's request: the request's identity (self-declared by its client) is in the data.
    actor: 'temporal',
    incidentId: input.incidentId,
    ...activeTraceFields(),
    workflowId: workflowExecution.workflowId,
    runId: workflowExecution.runId,
    data: { reason: input.reason, status: input.status, cancelRequest: await cancelRequest() },
    idempotencyKey: input.idempotencyKey,
  });
}

/** The incident workflow's activities, built from their dependencies (no globals). */
export function createIncidentActivities(deps: IncidentActivityDeps): IncidentActivities {
  return {
    recordTransition: (input) => recordTransition(deps, input),
    recordWorkflowClosed: (input) => recordWorkflowClosed(deps, input),
  };
}
