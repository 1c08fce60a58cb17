import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput } from '@temporalio/worker';
import type { AuditEventInput, AuditLog } from '../../../libs/audit';
import { AuditActivityInterceptor } from './audit-activity.interceptor';

const INCIDENT_ID = '0b5e7c1e-3c2a-4f7e-9a41-1f2d3c4b5a69';

/** The interceptor of one attempt; `cancellation` aborts its signal, as the worker does when it cancels the attempt. */
function interceptorWith(append: (event: AuditEventInput) => Promise<unknown>, cancellation = new AbortController()) {
  const ctx = {
    info: { activityId: '7', activityType: 'recordTransition', attempt: 2, workflowExecution: { workflowId: `incident-${INCIDENT_ID}`, runId: 'run-1' } },
    cancellationSignal: cancellation.signal,
  } as unknown as Context;
  return new AuditActivityInterceptor(ctx, { append } as unknown as AuditLog);
}

const input = {} as ActivityExecuteInput;

describe('the activity audit interceptor', () => {
  it('records the attempt as started, then completed, in the incident chain with the attempt number', async () => {
    const events: AuditEventInput[] = [];
    const result = await interceptorWith(async (event) => events.push(event)).execute(input, () => Promise.resolve('done'));
    expect(result).toBe('done');
    expect(events.map((e) => e.type)).toEqual(['activity.started', 'activity.completed']);
    expect(events[1]).toMatchObject({
      chainId: `incident:${INCIDENT_ID}`,
      incidentId: INCIDENT_ID,
      workflowId: `incident-${INCIDENT_ID}`,
      runId: 'run-1',
      data: { activityType: 'recordTransition', activityId: '7', attempt: 2 },
      idempotencyKey: 'run-1:7:2:completed',
    });
    expect(events[1]!.data).not.toHaveProperty('cancelledBefore');
  });

  it('records an attempt that finished after the worker cancelled it past its start-to-close timeout as completed, saying it was cancelled before', async () => {
    const events: AuditEventInput[] = [];
    const cancellation = new AbortController();
    // As recordTransition does: the worker's cancel (its local start-to-close timer) comes while it writes, and it finishes anyway.
    const finishesAnyway = async () => {
      cancellation.abort(new CancelledFailure('TIMED_OUT'));
      return 'done';
    };
    await expect(interceptorWith(async (event) => events.push(event), cancellation).execute(input, finishesAnyway)).resolves.toBe('done');
    expect(events.map((e) => [e.type, e.data?.cancelledBefore, e.idempotencyKey])).toEqual([
      ['activity.started', undefined, 'run-1:7:2:started'],
      ['activity.completed', 'TIMED_OUT', 'run-1:7:2:completed'],
    ]);
  });

  it('records an attempt that failed after the worker cancelled it with its error and the reason it was cancelled', async () => {
    const events: AuditEventInput[] = [];
    const cancellation = new AbortController();
    const cancelled = new CancelledFailure('NOT_FOUND');
    const stops = async () => {
      cancellation.abort(cancelled);
      throw cancelled;
    };
    await expect(interceptorWith(async (event) => events.push(event), cancellation).execute(input, stops)).rejects.toBe(cancelled);
    expect(events[1]).toMatchObject({ type: 'activity.failed', data: { error: 'NOT_FOUND', cancelledBefore: 'NOT_FOUND' } });
  });

  it('records a failed attempt with its error, and fails with the activity error itself', async () => {
    const events: AuditEventInput[] = [];
    const failure = new Error('PostgreSQL said no');
    await expect(interceptorWith(async (event) => events.push(event)).execute(input, () => Promise.reject(failure))).rejects.toBe(failure);
    expect(events.map((e) => [e.type, e.data?.error])).toEqual([
      ['activity.started', undefined],
      ['activity.failed', 'PostgreSQL said no'],
    ]);
  });

  it('fails a failed attempt whose event cannot be written with an error that says so, keeping the activity error as its cause', async () => {
    const failure = ApplicationFailure.nonRetryable('no such device');
    const append = async (event: AuditEventInput) => {
      if (event.type === 'activity.failed') throw new Error('audit write failed');
    };
    const error: unknown = await interceptorWith(append).execute(input, () => Promise.reject(failure)).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ message: 'the attempt failed, and its failure could not be audited: Error: audit write failed', cause: failure });
  });

  it('fails a completed attempt whose event cannot be written, without recording the activity as failed', async () => {
    const events: AuditEventInput[] = [];
    const auditDown = new Error('audit write failed');
    const append = async (event: AuditEventInput) => {
      if (event.type === 'activity.completed') throw auditDown;
      events.push(event);
    };
    await expect(interceptorWith(append).execute(input, () => Promise.resolve('done'))).rejects.toBe(auditDown);
    expect(events.map((e) => e.type)).toEqual(['activity.started']);
  });
});
