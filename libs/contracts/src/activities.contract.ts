import type { IncidentStatus } from '../../domain';

export interface RecordTransitionInput {
  incidentId: string;
  from: IncidentStatus | null;
  to: IncidentStatus;
  actor: string;
  /** Distinguishes this transition within the workflow, so a retried activity records it once. */
  transitionIndex: number;
  /**
   * The audit event's idempotency key: `<workflowId>:<runId>:transition:<index>`, so that a run
   * started afresh under the same workflow id (the old one's history past Temporal's retention)
   * cannot take a key of the old run. Absent from runs started before the patch
   * `transition-key-per-run`; those keep `<workflowId>:transition:<index>`.
   */
  idempotencyKey?: string;
  /**
   * When the workflow took the transition (ISO 8601), kept as the record's `acknowledgedAt` /
   * `resolvedAt` however late the activity records it (PostgreSQL down meanwhile, say). Absent
   * from runs of older code: then the time it is recorded.
   */
  at?: string;
}

/** The activities the incident workflow calls; implemented in apps/worker, imported by workflows as types only. */
export interface IncidentActivities {
  recordTransition(input: RecordTransitionInput): Promise<void>;
}
