import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { IncidentLiveState } from '../../../../libs/contracts';
import type { WorkflowExecution } from './incident.view';

export type LiveWorkflow =
  | { available: true; execution: WorkflowExecution; state: IncidentLiveState }
  | { available: false; reason: 'not_started' | 'no_answer' | 'unreachable' };

/**
 * The workflow's live state from the answers to a query (a worker answers it) and a describe
 * (Temporal alone answers it), asked together. The describe decides why there is none: Temporal
 * described the workflow, so it is up and no worker answered the query (none running, a backlog,
 * or a worker that failed it); Temporal does not know the workflow, so its start is still in the
 * outbox; or Temporal did not answer in time or refused, so it is unreachable. `failure` is the
 * error to log.
 */
export function liveWorkflowFrom(
  state: PromiseSettledResult<IncidentLiveState>,
  description: PromiseSettledResult<WorkflowExecutionDescription>,
): { live: LiveWorkflow; failure?: unknown } {
  if (description.status === 'rejected') {
    const reason = description.reason instanceof WorkflowNotFoundError ? 'not_started' : 'unreachable';
    return { live: { available: false, reason }, failure: reason === 'unreachable' ? description.reason : undefined };
  }
  if (state.status === 'rejected') return { live: { available: false, reason: 'no_answer' }, failure: state.reason };
  return { live: { available: true, execution: description.value.status.name.toLowerCase() as WorkflowExecution, state: state.value } };
}
