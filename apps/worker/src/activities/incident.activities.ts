import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { incidentChainId, type AuditLog } from '../../../../libs/audit';
import type { IncidentActivities, RecordTransitionInput } from '../../../../libs/contracts';
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

/** The incident workflow's activities, built from their dependencies (no globals). */
export function createIncidentActivities(deps: IncidentActivityDeps): IncidentActivities {
  return {
    recordTransition: (input) => recordTransition(deps, input),
  };
}
