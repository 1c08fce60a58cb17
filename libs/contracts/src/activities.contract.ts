import type { IncidentStatus, Severity } from '../../domain';

export interface RecordTransitionInput {
  incidentId: string;
  from: IncidentStatus | null;
  to: IncidentStatus;
  actor: string;
  /** Distinguishes this transition within the workflow, so a retried activity records it once. */
  transitionIndex: number;
  severity?: Severity;
}

/** The activities the incident workflow calls; implemented in apps/worker, imported by workflows as types only. */
export interface IncidentActivities {
  recordTransition(input: RecordTransitionInput): Promise<void>;
}
