import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { incidentChainId, type AuditLog } from '../../../../libs/audit';
import type { IncidentActivities, RecordTransitionInput } from '../../../../libs/contracts';
import { INCIDENT_STATUSES, isAtOrPast, type IncidentStatus } from '../../../../libs/domain';
import { activeTraceFields } from '../../../../libs/telemetry';

export interface IncidentActivityDeps {
  dataSource: DataSource;
  auditLog: AuditLog;
}

interface RecordRow {
  status: IncidentStatus;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  resolved_by: string | null;
  resolved_at: Date | null;
}

/**
 * What the record already said, when it was at this transition's status or past it by someone else's
 * hand: a resolved alert can resolve the record a moment before the workflow takes a responder's
 * resolve. The audit event then names both, so the log and the record agree on who came first.
 */
function recordAhead(row: RecordRow | undefined, input: RecordTransitionInput) {
  // Every record starts at triggered: there is nobody to name.
  if (!row || row.status === 'triggered' || !isAtOrPast(row.status, input.to)) return null;
  const [by, at] = row.status === 'resolved' ? [row.resolved_by, row.resolved_at] : [row.acknowledged_by, row.acknowledged_at];
  if (row.status === input.to && by === input.actor) return null;
  return { status: row.status, by, at: at?.toISOString() ?? null };
}

/**
 * Moves the incident row forward (never back: intake may already have resolved it) and records
 * the state change in the audit log, in one transaction. Keyed by the workflow's run and the
 * transition's index (runs started before `transition-key-per-run` by the workflow id and the
 * index), so a retried attempt changes nothing twice.
 */
async function recordTransition(deps: IncidentActivityDeps, input: RecordTransitionInput): Promise<void> {
  const { workflowExecution } = Context.current().info;
  if (!workflowExecution) throw ApplicationFailure.nonRetryable('recordTransition runs only inside an incident workflow');
  await deps.dataSource.transaction(async (manager) => {
    const [before] = (await manager.query(
      `SELECT status, acknowledged_by, acknowledged_at, resolved_by, resolved_at FROM incidents WHERE id = $1 FOR UPDATE`,
      [input.incidentId],
    )) as RecordRow[];
    await manager.query(
      `UPDATE incidents SET
         status = CASE WHEN array_position($4::text[], status) < array_position($4::text[], $2) THEN $2 ELSE status END,
         acknowledged_at = CASE WHEN $2 = 'acknowledged' THEN coalesce(acknowledged_at, now()) ELSE acknowledged_at END,
         acknowledged_by = CASE WHEN $2 = 'acknowledged' THEN coalesce(acknowledged_by, $3) ELSE acknowledged_by END,
         resolved_at = CASE WHEN $2 = 'resolved' THEN coalesce(resolved_at, now()) ELSE resolved_at END,
         resolved_by = CASE WHEN $2 = 'resolved' THEN coalesce(resolved_by, $3) ELSE resolved_by END,
         workflow_run_id = coalesce(workflow_run_id, $5),
         updated_at = now()
       WHERE id = $1`,
      [input.incidentId, input.to, input.actor, INCIDENT_STATUSES, workflowExecution.runId],
    );
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
