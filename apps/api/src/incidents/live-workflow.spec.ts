import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { IncidentLiveState } from '../../../../libs/contracts';
import { liveWorkflowFrom } from './live-workflow';

const state: IncidentLiveState = { incidentId: 'i-1', status: 'acknowledged', severity: 'high', lastCommandSeq: 2, transitions: [] };
const answered = <T>(value: T): PromiseFulfilledResult<T> => ({ status: 'fulfilled', value });
const failed = (reason: unknown): PromiseRejectedResult => ({ status: 'rejected', reason });
const running = answered({ status: { name: 'RUNNING' } } as WorkflowExecutionDescription);
const deadline = new Error('4 DEADLINE_EXCEEDED: Deadline exceeded');
const notFound = new WorkflowNotFoundError('workflow not found', 'incident-i-1', undefined);

describe('liveWorkflowFrom', () => {
  it('gives the state and the execution status when both are answered', () => {
    expect(liveWorkflowFrom(answered(state), running, true)).toEqual({ live: { available: true, execution: 'running', state } });
  });

  it('says no worker answered when Temporal described the workflow, whatever the query failed with', () => {
    for (const queryFailure of [deadline, new Error('Query handler for incidentState is not registered')]) {
      expect(liveWorkflowFrom(failed(queryFailure), running, true)).toEqual({ live: { available: false, reason: 'no_answer' }, failure: queryFailure });
    }
  });

  it('says unreachable when Temporal did not answer the describe in time, or refused it', () => {
    const refused = new Error('7 PERMISSION_DENIED: Request unauthorized');
    for (const describeFailure of [deadline, refused]) {
      expect(liveWorkflowFrom(failed(deadline), failed(describeFailure), true)).toEqual({ live: { available: false, reason: 'unreachable' }, failure: describeFailure });
    }
  });

  it('says not started, with nothing to log, when Temporal does not know the workflow and its start is still queued', () => {
    expect(liveWorkflowFrom(failed(notFound), failed(notFound), false)).toEqual({ live: { available: false, reason: 'not_started' } });
  });

  it('says no longer in Temporal, with nothing to log, when Temporal does not know a workflow that was started (deleted, or past retention)', () => {
    expect(liveWorkflowFrom(failed(notFound), failed(notFound), true)).toEqual({ live: { available: false, reason: 'no_longer_in_temporal' } });
  });
});
