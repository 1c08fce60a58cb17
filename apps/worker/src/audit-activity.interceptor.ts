import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { incidentChainId, workflowChainId, type AuditEventInput, type AuditLog } from '../../../libs/audit';
import { incidentIdOfWorkflow } from '../../../libs/contracts';
import { activeTraceFields } from '../../../libs/telemetry';

/**
 * Writes every activity attempt to the audit log: started (with its attempt number), then
 * completed or failed. Runs inside the OpenTelemetry interceptor, so events carry the activity span.
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
      await this.record('failed', { error: error instanceof Error ? error.message : String(error) }).catch((auditError: unknown) => {
        // Retryable, like any attempt whose event cannot be written; the activity's own error stays in the failure as its cause.
        throw new Error(`the attempt failed, and its failure could not be audited: ${String(auditError)}`, { cause: error });
      });
      throw error;
    }
    // Outside the try: a completed attempt whose event fails to write is not recorded as a failed activity.
    await this.record('completed');
    return result;
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
