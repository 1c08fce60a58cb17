import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { INVALID_REQUEST, TRANSITION_NOT_ALLOWED } from '../../../../libs/contracts';
import { ACCEPTED_UPDATE_COMPLETED_WORKFLOW, updateFailure } from './update-failure';

const failedWith = (cause?: Error) => new WorkflowUpdateFailedError('Workflow Update failed', cause);

describe('updateFailure', () => {
  it("tells the validator's refusal, with the status the workflow saw", () => {
    const refusal = ApplicationFailure.create({ message: 'incident is resolved; cannot move to acknowledged', type: TRANSITION_NOT_ALLOWED, nonRetryable: true, details: [{ currentStatus: 'resolved' }] });
    expect(updateFailure(failedWith(refusal))).toEqual({ outcome: 'rejected', reason: 'incident is resolved; cannot move to acknowledged', currentStatus: 'resolved' });
    expect(updateFailure(failedWith(ApplicationFailure.create({ message: 'actor is required', type: INVALID_REQUEST })))).toEqual({ outcome: 'rejected', reason: 'actor is required' });
  });

  it('tells a run that closed while the workflow applied the change (terminated outside Vigil, say) from a failure of the workflow', () => {
    const closed = ApplicationFailure.create({ message: 'Workflow Update failed because the Workflow completed before the Update completed.', type: ACCEPTED_UPDATE_COMPLETED_WORKFLOW, nonRetryable: true });
    expect(updateFailure(failedWith(closed))).toEqual({ outcome: 'failed', reason: 'Workflow Update failed because the Workflow completed before the Update completed.', workflowClosed: true });
    expect(updateFailure(failedWith(ApplicationFailure.create({ message: 'boom', type: 'Error' })))).toEqual({ outcome: 'failed', reason: 'boom' });
    expect(updateFailure(failedWith(undefined))).toEqual({ outcome: 'failed', reason: 'Workflow Update failed' });
  });
});
