import { Injectable } from '@nestjs/common';
import {
  Client,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowUpdateFailedError,
  type WorkflowUpdateHandle,
} from '@temporalio/client';
import { AuditLog, incidentChainId } from '../../../../libs/audit';
import { VigilConfig } from '../../../../libs/config';
import {
  acknowledgeUpdate,
  INCIDENT_WORKFLOW_TYPE,
  incidentWorkflowInput,
  resolveUpdate,
  type IncidentLiveState,
} from '../../../../libs/contracts';
import { canTransition, DomainError, DomainErrorCode } from '../../../../libs/domain';
import { incidentStartOptions } from '../../../../libs/temporal';
import { activeTraceFields } from '../../../../libs/telemetry';
import { IncidentQueries } from './incident-queries.service';

const UPDATES = { acknowledged: acknowledgeUpdate, resolved: resolveUpdate } as const;

export interface TransitionIncidentCommand {
  incidentId: string;
  to: keyof typeof UPDATES;
  actor: string;
  note?: string;
}

/**
 * Acknowledge or resolve through the incident workflow (a Temporal update, so the answer is the
 * state after the change). Update-with-start covers an incident whose workflow command is still
 * in the outbox. The workflow's validator decides; a refusal is a 409.
 */
@Injectable()
export class TransitionIncident {
  constructor(
    private readonly client: Client,
    private readonly queries: IncidentQueries,
    private readonly auditLog: AuditLog,
    private readonly config: VigilConfig,
  ) {}

  async execute(command: TransitionIncidentCommand): Promise<IncidentLiveState> {
    const incident = await this.queries.get(command.incidentId);
    if (!canTransition(incident.status, command.to)) {
      await this.audit(command, 'rejected', incident.workflowId);
      throw notAllowed(incident.status, command.to);
    }
    const startWorkflowOperation = new WithStartWorkflowOperation(INCIDENT_WORKFLOW_TYPE, {
      ...incidentStartOptions(incidentWorkflowInput(incident), this.config),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    const deadline = Date.now() + this.config.temporal.updateTimeoutMs;
    let update: WorkflowUpdateHandle<IncidentLiveState> | undefined;
    try {
      update = await this.client.connection.withDeadline(deadline, () =>
        this.client.workflow.startUpdateWithStart(UPDATES[command.to], {
          args: [{ actor: command.actor, note: command.note }],
          startWorkflowOperation,
          waitForStage: 'ACCEPTED',
        }),
      );
      const accepted = update;
      const state = await this.client.connection.withDeadline(deadline, () => accepted.result());
      await this.audit(command, 'accepted', incident.workflowId, update.workflowRunId);
      return state;
    } catch (error) {
      // The validator's refusal comes with the handle (its outcome is known at once), as the result's failure.
      if (error instanceof WorkflowUpdateFailedError || error instanceof WorkflowExecutionAlreadyStartedError) {
        await this.audit(command, 'rejected', incident.workflowId, update?.workflowRunId);
        const current = await this.queries.get(command.incidentId);
        throw notAllowed(current.status, command.to, error.message);
      }
      if (!update) throw error;
      // Not refused, not finished in time: the workflow accepted it and applies it whatever becomes of this request.
      await this.audit(command, 'accepted', incident.workflowId, update.workflowRunId);
      throw new DomainError(
        DomainErrorCode.WorkflowUnavailable,
        `the incident workflow accepted the change to ${command.to} but did not finish it within ${this.config.temporal.updateTimeoutMs} ms; it will: read the incident to see it`,
      );
    }
  }

  /** The update as asked for, with the run that took it (none when it was refused). */
  private async audit(command: TransitionIncidentCommand, outcome: 'accepted' | 'rejected', workflowId: string, runId?: string): Promise<void> {
    await this.auditLog.append({
      chainId: incidentChainId(command.incidentId),
      type: 'workflow.update',
      actor: command.actor,
      incidentId: command.incidentId,
      ...activeTraceFields(),
      workflowId,
      runId: runId ?? null,
      data: { update: UPDATES[command.to].name, outcome, note: command.note ?? null },
    });
  }
}

function notAllowed(status: string, to: string, reason?: string): DomainError {
  return new DomainError(DomainErrorCode.TransitionNotAllowed, reason ?? `incident is ${status}; cannot move to ${to}`, {
    currentStatus: status,
    requestedStatus: to,
  });
}
