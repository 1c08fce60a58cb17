import type { WorkflowExecutionStatusName } from '@temporalio/client';
import type { DataSource, EntityManager } from 'typeorm';
import { incidentChainId, type AuditEventRecord, type AuditLog } from '../../../../libs/audit';
import { incidentTransitionKey, type IncidentLiveState, type IncidentTransitionRecord } from '../../../../libs/contracts';
import type { IncidentStatus, Severity } from '../../../../libs/domain';
import { moveIncidentForward } from '../../../../libs/persistence';
import { activeTraceFields } from '../../../../libs/telemetry';

export interface ResolveWithoutWorkflow {
  incidentId: string;
  actor: string;
  note?: string;
  workflowId: string;
  /** The closed run. */
  runId: string;
  /** How the workflow closed, for the audit event. */
  howClosed: string;
}

export interface ResolvedRecord {
  from: IncidentStatus;
  severity: Severity;
  at: string;
}

/**
 * Resolves an incident whose workflow was closed outside Vigil, in PostgreSQL alone, and audits the
 * state change in the same transaction. Null when the record is no longer open (resolved meanwhile
 * by another request or a resolved alert).
 */
export function resolveRecordWithoutWorkflow(dataSource: DataSource, auditLog: AuditLog, request: ResolveWithoutWorkflow): Promise<ResolvedRecord | null> {
  const { incidentId, actor } = request;
  return dataSource.transaction(async (manager) => {
    // Without a runId: the record keeps the run it names and is written only when this moves it.
    const before = await moveIncidentForward(manager, { incidentId, to: 'resolved', actor });
    if (!before) return null;
    const { status: from, severity } = before;
    const event = await auditResolvedWithoutWorkflow(manager, auditLog, { ...request, from });
    return { from, severity, at: event.occurredAt };
  });
}

/**
 * The state change of an incident resolved while its workflow was closed outside Vigil, in the
 * caller's transaction: by the API's resolve, or by a resolved alert (intake has resolved the
 * record; the dispatcher finds no run to take it). Keyed by the incident's move to resolved, so a
 * redelivered command records it once. `from` is null when nobody could say.
 */
export function auditResolvedWithoutWorkflow(
  manager: EntityManager,
  auditLog: AuditLog,
  change: ResolveWithoutWorkflow & { from: IncidentStatus | null },
): Promise<AuditEventRecord> {
  const { incidentId, workflowId } = change;
  return auditLog.append(
    {
      chainId: incidentChainId(incidentId),
      type: 'incident.status_changed',
      actor: change.actor,
      incidentId,
      ...activeTraceFields(),
      workflowId,
      runId: change.runId,
      data: { from: change.from, to: 'resolved', note: change.note ?? null, workflow: change.howClosed },
      idempotencyKey: incidentTransitionKey(workflowId, 'resolved'),
    },
    manager,
  );
}

/** How a run that did not resolve its incident ended, for the audit event and the 409. */
export function closedOutside(status: WorkflowExecutionStatusName): string {
  return `the incident's workflow was ${status.toLowerCase().replace(/_/g, ' ')} outside Vigil`;
}

/**
 * The answer to such a resolve: the closed run's last state (or an empty one when no worker could
 * say) with the resolve added, and the record's severity, which alerts may have changed after the
 * workflow stopped listening.
 */
export function stateAfterResolvedWithoutWorkflow(last: IncidentLiveState | null, incidentId: string, actor: string, resolved: ResolvedRecord): IncidentLiveState {
  const before = last ?? { incidentId, lastCommandSeq: 0, transitions: [] };
  const transition: IncidentTransitionRecord = { from: resolved.from, to: 'resolved', actor, at: resolved.at };
  return { ...before, status: 'resolved', severity: resolved.severity, transitions: [...before.transitions, transition] };
}
