import type { IncidentStatus } from '../../domain';

export interface RecordTransitionInput {
  incidentId: string;
  from: IncidentStatus | null;
  to: IncidentStatus;
  actor: string;
  /** Distinguishes this transition within the workflow, so a retried activity records it once. */
  transitionIndex: number;
  /**
   * The audit event's idempotency key: `<workflowId>:transition:<to>` (incidentTransitionKey), one per
   * incident and status, which the incident reaches once. A run that does again what an earlier run
   * of the incident did (reset in the Temporal UI or CLI, or started afresh under the same workflow id
   * once Temporal forgot the last) records each transition once, and never takes the key of another
   * transition (as index-keyed runs did: a fresh run's second transition was the old run's second).
   * Runs started before the patch `transition-key-per-status` give `<workflowId>:<runId>:transition:<index>`,
   * and those before `transition-key-per-run` none: then `<workflowId>:transition:<index>`.
   */
  idempotencyKey?: string;
  /**
   * When the workflow took the transition (ISO 8601), kept as the record's `acknowledgedAt` /
   * `resolvedAt` however late the activity records it (PostgreSQL down meanwhile, say). Absent
   * from runs of older code: then the time it is recorded.
   */
  at?: string;
}

/** Why the incident's workflow closed without resolving it: cancelled (in the Temporal UI or CLI, say). */
export type WorkflowClosedReason = 'cancelled';

export interface RecordWorkflowClosedInput {
  incidentId: string;
  reason: WorkflowClosedReason;
  /** The incident's status when its workflow closed: later changes are made without a workflow. */
  status: IncidentStatus;
  /** The audit event's idempotency key, one per run (`<workflowId>:<runId>:closed`): a run closes once. */
  idempotencyKey: string;
}

/** The activities the incident workflow calls; implemented in apps/worker, imported by workflows as types only. */
export interface IncidentActivities {
  recordTransition(input: RecordTransitionInput): Promise<void>;
  /** Since the patch `audit-workflow-closed`: a cancelled run records that it closes, before it does. */
  recordWorkflowClosed(input: RecordWorkflowClosedInput): Promise<void>;
}
