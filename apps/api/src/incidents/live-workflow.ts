import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { IncidentLiveState } from '../../../../libs/contracts';
import type { WorkflowExecution } from './incident.view';

/** Why an incident's detail has no live workflow state. */
export const LIVE_WORKFLOW_UNAVAILABLE = ['not_started', 'no_longer_in_temporal', 'no_answer', 'unreachable'] as const;

export type LiveWorkflow =
  | { available: true; execution: WorkflowExecution; state: IncidentLiveState }
  | { available: false; reason: (typeof LIVE_WORKFLOW_UNAVAILABLE)[number] };

/** Whether Temporal answered the describe that it does not know the workflow. */
export function unknownToTemporal(description: PromiseSettledResult<WorkflowExecutionDescription>): boolean {
  return description.status === 'rejected' && description.reason instanceof WorkflowNotFoundError;
}

/**
 * The workflow's live state from the answers to a query (a worker answers it) and a describe
 * (Temporal alone answers it), asked together. The describe decides why there is none: Temporal
 * described the workflow, so it is up and no worker answered the query (none running, a backlog,
 * or a worker that failed the query); Temporal does not know the workflow, so either its start is
 * still in the outbox, or, once the record says it was started (`started`), Temporal no longer has
 * it (deleted, or closed and past the namespace's retention); or Temporal did not answer in time or
 * refused, so it is unreachable. `failure` is the error to log.
 */
export function liveWorkflowFrom(
  state: PromiseSettledResult<IncidentLiveState>,
  description: PromiseSettledResult<WorkflowExecutionDescription>,
  started: boolean,
): { live: LiveWorkflow; failure?: unknown } {
  if (description.status === 'rejected') {
    if (unknownToTemporal(description)) return { live: { available: false, reason: started ? 'no_longer_in_temporal' : 'not_started' } };
    return { live: { available: false, reason: 'unreachable' }, failure: description.reason };
  }
  if (state.status === 'rejected') return { live: { available: false, reason: 'no_answer' }, failure: state.reason };
  return { live: { available: true, execution: description.value.status.name.toLowerCase() as WorkflowExecution, state: state.value } };
}
