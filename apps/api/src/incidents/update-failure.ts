import { ApplicationFailure, type WorkflowUpdateFailedError } from '@temporalio/client';
import { INVALID_REQUEST, TRANSITION_NOT_ALLOWED } from '../../../../libs/contracts';
import { isIncidentStatus, type IncidentStatus } from '../../../../libs/domain';

/**
 * Temporal's failure of an update the workflow had accepted when its run closed before the update
 * completed: terminated (in the Temporal UI, say), reset, or timed out meanwhile.
 */
export const ACCEPTED_UPDATE_COMPLETED_WORKFLOW = 'AcceptedUpdateCompletedWorkflow';

export interface UpdateFailure {
  outcome: 'rejected' | 'failed';
  reason: string;
  /** A refusal's incident status, as the workflow saw it (workflows of older code do not say). */
  currentStatus?: IncidentStatus;
  /**
   * A failure because the run closed while the workflow applied the change, not by the workflow's
   * own doing: its recording (an activity under way runs to its end) may have finished all the same.
   */
  workflowClosed?: true;
}

/**
 * How an acknowledge or resolve that failed in the workflow ended: refused by its validator
 * (`rejected`: the transition is not allowed), or taken and then failed while it was applied
 * (`failed`: any failure but the validator's refusal, which carries TRANSITION_NOT_ALLOWED; among
 * them the run closing before the change was done, `workflowClosed`). The reason is the workflow's
 * own, or Temporal's.
 */
export function updateFailure(error: WorkflowUpdateFailedError): UpdateFailure {
  const { cause } = error;
  // Its validator refuses a transition the state does not allow, and a request that names no actor (sent by hand).
  const refused = cause instanceof ApplicationFailure && (cause.type === TRANSITION_NOT_ALLOWED || cause.type === INVALID_REQUEST);
  // The error's own message only says that the update failed.
  const failure: UpdateFailure = { outcome: refused ? 'rejected' : 'failed', reason: cause?.message ?? error.message };
  if (cause instanceof ApplicationFailure && cause.type === ACCEPTED_UPDATE_COMPLETED_WORKFLOW) return { ...failure, workflowClosed: true };
  const currentStatus = refused ? statusIn(cause.details?.[0]) : undefined;
  return currentStatus ? { ...failure, currentStatus } : failure;
}

function statusIn(details: unknown): IncidentStatus | undefined {
  const status = (details as { currentStatus?: unknown } | null | undefined)?.currentStatus;
  return isIncidentStatus(status) ? status : undefined;
}
