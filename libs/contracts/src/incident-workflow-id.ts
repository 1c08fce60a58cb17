import type { IncidentStatus } from '../../domain';

const PREFIX = 'incident-';

export function incidentWorkflowId(incidentId: string): string {
  return `${PREFIX}${incidentId}`;
}

/** The incident a workflow id belongs to, or null for workflows that are not incident workflows. */
export function incidentIdOfWorkflow(workflowId: string): string | null {
  return workflowId.startsWith(PREFIX) ? workflowId.slice(PREFIX.length) : null;
}

/**
 * The audit key of an incident's move to `to`. An incident reaches each status at most once (it
 * only moves forward; a firing alert after its resolve opens a new incident), so one key per
 * incident and status records each move once, whichever run or path records it.
 */
export function incidentTransitionKey(workflowId: string, to: IncidentStatus): string {
  return `${workflowId}:transition:${to}`;
}

/** The audit key of a run's closing without resolving its incident (cancelled): each run closes once. */
export function workflowClosedKey(workflowId: string, runId: string): string {
  return `${workflowId}:${runId}:closed`;
}
