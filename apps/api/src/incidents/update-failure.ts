import { ApplicationFailure, type WorkflowUpdateFailedError } from '@temporalio/client';
import { TRANSITION_NOT_ALLOWED } from '../../../../libs/contracts';

/**
 * How an acknowledge or resolve that failed in the workflow ended: refused by its validator
 * (`rejected`: the transition is not allowed), or taken and then failed while it was applied
 * (`failed`: any failure but the validator's refusal, which carries TRANSITION_NOT_ALLOWED). The
 * reason is the workflow's own.
 */
export function updateFailure(error: WorkflowUpdateFailedError): { outcome: 'rejected' | 'failed'; reason: string } {
  const { cause } = error;
  const refused = cause instanceof ApplicationFailure && cause.type === TRANSITION_NOT_ALLOWED;
  // The error's own message only says that the update failed.
  return { outcome: refused ? 'rejected' : 'failed', reason: cause?.message ?? error.message };
}
