import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { incidentChainId, workflowChainId, type AuditEventInput, type AuditLog } from '../../../libs/audit';
import { incidentIdOfWorkflow } from '../../../libs/contracts';
import { activeTraceFields } from '../../../libs/telemetry';

/**
 * Writes every activity attempt to the audit log: started (with its attempt number), then
 * completed or failed. Runs inside the OpenTelemetry interceptor, so events carry the activity span.
 *
 * An attempt the worker cancelled before it finished says so in `cancelledBefore`, with the reason
 * the worker gave (`TIMED_OUT` past its start-to-close timeout, `NOT_FOUND` once Temporal no longer
 * knows it, `CANCELLED`, `WORKER_SHUTDOWN`, …): one that finishes anyway (recordTransition does not
 * stop half-way) is still `completed`, as its work is done, but with `TIMED_OUT` or `NOT_FOUND`
 * Temporal has already counted it as timed out and does not take its result; its retry follows.
 */
export class AuditActivityInterceptor implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: Context,
    private readonly auditLog: AuditLog,
  ) {}

  /**
   * An attempt whose event cannot be written fails with that error, and Temporal retries it
   * (activities are idempotent), so every attempt that counts is audited once PostgreSQL answers.
   */
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    await this.record('started');
    let result: unknown;
    try {
      result = await next(input);
    } catch (error) {
      const failed = { error: error instanceof Error ? error.message : String(error), ...this.cancelledBefore() };
      await this.record('failed', failed).catch((auditError: unknown) => {
        // Retryable, like any attempt whose event cannot be written; the activity's own error stays in the failure as its cause.
        throw new Error(`the attempt failed, and its failure could not be audited: ${String(auditError)}`, { cause: error });
      });
      throw error;
    }
    // Outside the try: a completed attempt whose event fails to write is not recorded as a failed activity.
    await this.record('completed', this.cancelledBefore());
    return result;
  }

  /** Why the worker cancelled the attempt before it finished, if it did. */
  private cancelledBefore(): { cancelledBefore?: string } {
    const { aborted, reason } = this.ctx.cancellationSignal;
    if (!aborted) return {};
    // The worker aborts with a CancelledFailure whose message is the reason.
    return { cancelledBefore: reason instanceof Error ? reason.message : String(reason) };
  }

  private async record(outcome: 'started' | 'completed' | 'failed', extra: Record<string, unknown> = {}): Promise<void> {
    const { activityId, activityType, attempt } = this.ctx.info;
    const workflowExecution = this.ctx.info.workflowExecution ?? { workflowId: `activity-${activityId}`, runId: activityId };
    const incidentId = incidentIdOfWorkflow(workflowExecution.workflowId);
    const event: AuditEventInput = {
      chainId: incidentId ? incidentChainId(incidentId) : workflowChainId(workflowExecution.workflowId),
      type: `activity.${outcome}`,
      actor: 'vigil-worker',
      incidentId: incidentId ?? undefined,
      ...activeTraceFields(),
      workflowId: workflowExecution.workflowId,
      runId: workflowExecution.runId,
      data: { activityType, activityId, attempt, ...extra },
      idempotencyKey: `${workflowExecution.runId}:${activityId}:${attempt}:${outcome}`,
    };
    await this.auditLog.append(event);
  }
}
