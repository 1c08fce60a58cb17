import type { EntityManager } from 'typeorm';
import { INCIDENT_STATUSES, type IncidentStatus, type Severity } from '../../domain';

/** An incident's row as it was before a step. */
export interface IncidentRecord {
  status: IncidentStatus;
  severity: Severity;
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
}

export interface IncidentStep {
  incidentId: string;
  to: IncidentStatus;
  actor: string;
  /**
   * The workflow run taking the step, named on the record if none is yet. A run's step is written
   * even when the record is at `to` or past it already (a late acknowledgement still names who
   * acknowledged); a step without a run only when it moves the record.
   */
  runId?: string;
  /**
   * When the step was taken (a workflow's transition recorded late); now if not given, or if later than
   * PostgreSQL's clock (a Temporal on another host, its clock ahead). `least` passes over a NULL.
   */
  at?: Date;
}

/**
 * Moves an incident to `to`, never back (intake or another request may have moved it past), in one
 * statement of the caller's transaction; the `*_at` / `*_by` of `to` keep whoever got there first.
 * Answers the record as it was before, or null when nothing was written.
 */
export async function moveIncidentForward(manager: EntityManager, step: IncidentStep): Promise<IncidentRecord | null> {
  const [rows]: [IncidentRecord[], number] = await manager.query(
    `UPDATE incidents i SET
       status = CASE WHEN b.moves THEN $2 ELSE i.status END,
       acknowledged_at = CASE WHEN $2 = 'acknowledged' THEN coalesce(i.acknowledged_at, least($6::timestamptz, now())) ELSE i.acknowledged_at END,
       acknowledged_by = CASE WHEN $2 = 'acknowledged' THEN coalesce(i.acknowledged_by, $3) ELSE i.acknowledged_by END,
       resolved_at = CASE WHEN $2 = 'resolved' THEN coalesce(i.resolved_at, least($6::timestamptz, now())) ELSE i.resolved_at END,
       resolved_by = CASE WHEN $2 = 'resolved' THEN coalesce(i.resolved_by, $3) ELSE i.resolved_by END,
       workflow_run_id = coalesce(i.workflow_run_id, $4),
       updated_at = now()
     FROM (SELECT id, status, severity, acknowledged_by, acknowledged_at, resolved_by, resolved_at,
                  array_position($5::text[], status) < array_position($5::text[], $2) AS moves
             FROM incidents WHERE id = $1 FOR UPDATE) b
     WHERE i.id = b.id AND (b.moves OR $4::text IS NOT NULL)
     RETURNING b.status, b.severity, b.acknowledged_by AS "acknowledgedBy", b.acknowledged_at AS "acknowledgedAt",
               b.resolved_by AS "resolvedBy", b.resolved_at AS "resolvedAt"`,
    [step.incidentId, step.to, step.actor, step.runId ?? null, INCIDENT_STATUSES, step.at ?? null],
  );
  return rows[0] ?? null;
}
