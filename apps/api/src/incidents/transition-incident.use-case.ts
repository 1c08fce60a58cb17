import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  Client,
  type WorkflowExecutionStatusName,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowUpdateFailedError,
  type WorkflowUpdateHandle,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { DataSource } from 'typeorm';
import { AuditLog, incidentChainId } from '../../../../libs/audit';
import { VigilConfig } from '../../../../libs/config';
import {
  acknowledgeUpdate,
  INCIDENT_WORKFLOW_TYPE,
  incidentStateQuery,
  resolveUpdate,
  type IncidentLiveState,
} from '../../../../libs/contracts';
import { canTransition, DomainError, DomainErrorCode, type IncidentStatus } from '../../../../libs/domain';
import { incidentStartOptions, isWorkflowNotReady } from '../../../../libs/temporal';
import { activeTraceFields } from '../../../../libs/telemetry';
import { IncidentQueries } from './incident-queries.service';
import { LateUpdateOutcomes } from './late-update-outcomes';
import { closedOutside, resolveRecordWithoutWorkflow, stateAfterResolvedWithoutWorkflow } from './resolve-without-workflow';
import { startInputFromRecord } from './start-input-from-record';
import { recordAfterRun, stateAfterRecorded, type RecordAfterRun, type TransitionAsked } from './transition-recorded';
import { updateFailure } from './update-failure';

const UPDATES = { acknowledged: acknowledgeUpdate, resolved: resolveUpdate } as const;

/** How long a describe of the workflow may take after an update ran out of time (Temporal alone answers it). */
const DESCRIBE_DEADLINE_MS = 2_000;

const WORKFLOW_TASKS_FAILING =
  "the incident's workflow is not making progress: its workflow tasks are failing (see the worker's log, or the workflow's history in the Temporal UI)";

export interface TransitionIncidentCommand {
  incidentId: string;
  to: keyof typeof UPDATES;
  actor: string;
  note?: string;
}

/** The command with the id its Temporal update goes by, which links its audit events. */
type UpdateRequest = TransitionIncidentCommand & { updateId: string };

/**
 * Acknowledge or resolve through the incident workflow (a Temporal update, so the answer is the
 * state after the change). Update-with-start covers an incident whose workflow command is still
 * in the outbox. The workflow's validator decides; a refusal is a 409. A change the workflow took
 * and then failed (any failure but its validator's refusal) is audited as `failed` and answered as
 * an unexpected error; one whose run was closed outside Vigil meanwhile is answered as the record
 * shows it. A workflow whose workflow tasks keep failing takes no change: a 503 that says so.
 *
 * A workflow closed outside Vigil (terminated or cancelled in the Temporal UI) leaves its incident
 * open with nothing to move it: such an incident can still be resolved, in PostgreSQL alone.
 */
@Injectable()
export class TransitionIncident {
  private readonly logger = new Logger(TransitionIncident.name);

  constructor(
    private readonly client: Client,
    private readonly queries: IncidentQueries,
    private readonly auditLog: AuditLog,
    private readonly config: VigilConfig,
    private readonly dataSource: DataSource,
    private readonly lateOutcomes: LateUpdateOutcomes,
  ) {}

  async execute(command: TransitionIncidentCommand): Promise<IncidentLiveState> {
    const request: UpdateRequest = { ...command, updateId: randomUUID() };
    const incident = await this.queries.get(request.incidentId);
    if (!canTransition(incident.status, request.to)) {
      const refusal = notAllowed(incident.status, request.to);
      await this.audit(request, 'rejected', { workflowId: incident.workflowId, reason: refusal.message });
      throw refusal;
    }
    // On record before Temporal is asked: the workflow may take the change after this request has
    // given up on it (no worker in time) or after this process is gone, and only its state change would say so.
    await this.audit(request, 'requested', { workflowId: incident.workflowId });
    const startWorkflowOperation = new WithStartWorkflowOperation(INCIDENT_WORKFLOW_TYPE, {
      ...incidentStartOptions(startInputFromRecord(incident), this.config),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    const deadline = Date.now() + this.config.temporal.updateTimeoutMs;
    let update: WorkflowUpdateHandle<IncidentLiveState> | undefined;
    let state: IncidentLiveState;
    try {
      update = await this.client.connection.withDeadline(deadline, () =>
        this.client.workflow.startUpdateWithStart(UPDATES[request.to], {
          args: [{ actor: request.actor, note: request.note }],
          updateId: request.updateId,
          startWorkflowOperation,
          waitForStage: 'ACCEPTED',
        }),
      );
      const accepted = update;
      state = await this.client.connection.withDeadline(deadline, () => accepted.result());
    } catch (error) {
      // The validator's refusal comes with the handle (its outcome is known at once), as the result's failure.
      if (error instanceof WorkflowExecutionAlreadyStartedError) return this.afterWorkflowClosed(request, incident.workflowId);
      // Temporal takes no update while the workflow task keeps failing (a bug, a non-determinism error): it never reached the workflow.
      if (isWorkflowNotReady(error)) return this.notMakingProgress(request, incident.workflowId);
      if (error instanceof WorkflowUpdateFailedError) {
        const { outcome, reason, currentStatus, workflowClosed } = updateFailure(error);
        if (outcome === 'rejected') return this.refuse(request, incident.workflowId, update?.workflowRunId, reason, currentStatus);
        if (workflowClosed && update?.workflowRunId) return this.afterClosedMidUpdate(request, incident.workflowId, update.workflowRunId);
        // Taken, then failed in the workflow: not a refusal, and not the caller's doing (a 500).
        await this.audit(request, 'failed', { workflowId: incident.workflowId, runId: update?.workflowRunId, reason });
        throw error;
      }
      if (!update && error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
        this.lateOutcomes.follow(incident.workflowId, request.updateId, (late) =>
          this.audit(request, late.outcome, { workflowId: incident.workflowId, reason: late.outcome === 'accepted' ? undefined : late.reason }),
        );
        const notTaken = `the incident workflow did not take the change to ${request.to} within ${this.config.temporal.updateTimeoutMs} ms`;
        const afterwards = 'Temporal may still hand it to the workflow, which then applies it if it still can: read the incident, and if it has not changed, ask again (a change already made is answered 409, never made twice)';
        // Held by Temporal while the workflow task fails its first times (past those, Temporal refuses updates: notMakingProgress).
        if (await this.workflowTasksFailing(incident.workflowId)) {
          throw new DomainError(DomainErrorCode.WorkflowUnavailable, `${notTaken}: ${WORKFLOW_TASKS_FAILING}; ${afterwards} once the workflow is fixed`);
        }
        throw new DomainError(DomainErrorCode.WorkflowUnavailable, `${notTaken} (is Temporal answering, and a worker running and keeping up?); ${afterwards}`);
      }
      if (!update) throw error;
      // Not refused, not finished in time: the workflow accepted it and applies it whatever becomes of this request.
      await this.audit(request, 'accepted', { workflowId: incident.workflowId, runId: update.workflowRunId });
      throw new DomainError(
        DomainErrorCode.WorkflowUnavailable,
        `the incident workflow accepted the change to ${request.to} but did not finish it within ${this.config.temporal.updateTimeoutMs} ms; it will finish it: read the incident to see it done`,
      );
    }
    // The change is made, and the workflow's activity has audited it with its actor: an answer other
    // than the new state would send the caller to ask again for a change that is done (a 409).
    await this.audit(request, 'accepted', { workflowId: incident.workflowId, runId: update.workflowRunId }).catch((error: unknown) =>
      this.logger.error(`the change of incident ${request.incidentId} to ${request.to} is made, but its "accepted" update event was not written: ${String(error)}`),
    );
    return state;
  }

  /**
   * Temporal refused the update because the workflow is not making progress: every workflow task of
   * its run fails (a bug that throws in the workflow, a non-determinism error after a code change),
   * and Temporal retries it for ever. The change never reached the workflow; nothing was changed.
   */
  private async notMakingProgress(request: UpdateRequest, workflowId: string): Promise<never> {
    const reason = `${WORKFLOW_TASKS_FAILING}, and Temporal gave it no change to ${request.to}; nothing was changed`;
    await this.audit(request, 'undelivered', { workflowId, reason });
    throw new DomainError(DomainErrorCode.WorkflowUnavailable, `${reason}. Ask again once the workflow is fixed`);
  }

  /** Whether the workflow's current task has failed before (Temporal retries it): false when Temporal does not say in time. */
  private async workflowTasksFailing(workflowId: string): Promise<boolean> {
    const deadline = Date.now() + DESCRIBE_DEADLINE_MS;
    const description = await this.client.connection.withDeadline(deadline, () => this.client.workflow.getHandle(workflowId).describe()).catch(() => null);
    return (description?.raw.pendingWorkflowTask?.attempt ?? 0) > 1;
  }

  /**
   * The workflow took the change, and its run was closed before the change was recorded: terminated
   * (or reset) outside Vigil meanwhile. A recording under way runs to its end all the same, so the
   * record decides: a change it shows is answered as made; one it does not, as a request to a
   * workflow closed outside Vigil (a resolve is made in PostgreSQL alone, an acknowledge is refused).
   */
  private async afterClosedMidUpdate(command: UpdateRequest, workflowId: string, runId: string): Promise<IncidentLiveState> {
    const asked = { incidentId: command.incidentId, runId, to: command.to, actor: command.actor };
    const record = await recordAfterRun(this.dataSource, asked);
    if (!record) throw new DomainError(DomainErrorCode.IncidentNotFound, `no incident ${command.incidentId}`, { incidentId: command.incidentId });
    const handle = this.client.workflow.getHandle(workflowId, runId);
    const deadline = Date.now() + this.config.temporal.updateTimeoutMs;
    const { status } = await this.client.connection.withDeadline(deadline, () => handle.describe());
    if (record.recorded) return this.answerRecorded(command, workflowId, asked, { ...record, recorded: record.recorded }, status.name, deadline);
    const howClosed = `${closedOutside(status.name)} before it recorded the change`;
    if (command.to === 'resolved') return this.resolveWithoutWorkflow(command, workflowId, runId, howClosed, deadline);
    // Taken, then not recorded: not a refusal of the workflow's. (An attempt not yet at the record's row may still record it: the timeline would show it.)
    await this.audit(command, 'failed', { workflowId, runId, reason: howClosed });
    throw notAllowed(record.status, command.to, `${howClosed} (it may yet show in the record if a recording of it was still under way: read the incident); it can only be resolved`);
  }

  /** The change the closed run recorded before it closed: answered as made, and audited as accepted. */
  private async answerRecorded(
    command: UpdateRequest,
    workflowId: string,
    asked: TransitionAsked,
    record: RecordAfterRun & { recorded: NonNullable<RecordAfterRun['recorded']> },
    closedAs: WorkflowExecutionStatusName,
    deadline: number,
  ): Promise<IncidentLiveState> {
    const { incidentId, runId } = asked;
    const last = await this.client.connection.withDeadline(deadline, () => this.client.workflow.getHandle(workflowId, runId).query(incidentStateQuery)).catch(() => null);
    await this.audit(command, 'accepted', { workflowId, runId, reason: `${closedOutside(closedAs)} once it had recorded the change` }).catch((error: unknown) =>
      this.logger.error(`the change of incident ${incidentId} to ${command.to} is made, but its "accepted" update event was not written: ${String(error)}`),
    );
    return stateAfterRecorded(last, incidentId, asked, record);
  }

  /**
   * The workflow has closed while the record says open. A run that completed resolved the incident
   * (the record is about to say so); one terminated, cancelled, failed or timed out never will.
   */
  private async afterWorkflowClosed(command: UpdateRequest, workflowId: string): Promise<IncidentLiveState> {
    const handle = this.client.workflow.getHandle(workflowId);
    const deadline = Date.now() + this.config.temporal.updateTimeoutMs;
    const { status, runId } = await this.client.connection.withDeadline(deadline, () => handle.describe());
    if (status.name !== 'COMPLETED') {
      // Closed while Temporal's first answer to this very update was on its way, the client asked
      // again and met the closed run: the change it had taken may be recorded all the same.
      const asked = { incidentId: command.incidentId, runId, to: command.to, actor: command.actor };
      const record = await recordAfterRun(this.dataSource, asked);
      if (record?.recorded) return this.answerRecorded(command, workflowId, asked, { ...record, recorded: record.recorded }, status.name, deadline);
    }
    if (status.name === 'COMPLETED' || command.to !== 'resolved') {
      return this.refuse(command, workflowId, runId, status.name === 'COMPLETED' ? undefined : `${closedOutside(status.name)}; it can only be resolved`);
    }
    return this.resolveWithoutWorkflow(command, workflowId, runId, closedOutside(status.name), deadline);
  }

  /** Resolves an incident whose workflow run has closed, in PostgreSQL alone, and audits it; `howClosed` says how the run ended. */
  private async resolveWithoutWorkflow(command: UpdateRequest, workflowId: string, runId: string, howClosed: string, deadline: number): Promise<IncidentLiveState> {
    // The closed run's last state, for the answer (a worker answers queries on closed runs too).
    const last = await this.client.connection.withDeadline(deadline, () => this.client.workflow.getHandle(workflowId, runId).query(incidentStateQuery)).catch(() => null);
    const { incidentId, actor, note } = command;
    const resolved = await resolveRecordWithoutWorkflow(this.dataSource, this.auditLog, { incidentId, actor, note, workflowId, runId, howClosed: `${howClosed}; resolved without it` });
    // Null: resolved meanwhile (another request, or a resolved alert).
    if (!resolved) return this.refuse(command, workflowId, runId);
    await this.audit(command, 'accepted', { workflowId, runId }).catch((error: unknown) =>
      this.logger.error(`incident ${incidentId} is resolved without its workflow, but its "accepted" update event was not written: ${String(error)}`),
    );
    return stateAfterResolvedWithoutWorkflow(last, incidentId, actor, resolved);
  }

  /**
   * Audits the refusal and answers it with the incident's status as it is now: the workflow's, when
   * it refused (the record follows it a moment later), else the record's.
   */
  private async refuse(command: UpdateRequest, workflowId: string, runId?: string, reason?: string, workflowStatus?: IncidentStatus): Promise<never> {
    const status = workflowStatus ?? (await this.queries.get(command.incidentId)).status;
    const refusal = notAllowed(status, command.to, reason);
    await this.audit(command, 'rejected', { workflowId, runId, reason: refusal.message });
    throw refusal;
  }

  /**
   * The update as asked for (`requested`, before Temporal is asked), and its outcome, with the run
   * that took, refused or failed it (none when the record refused it first, or when it came after the
   * request gave up) and the reason of a refusal or failure, or of Temporal not handing it to the
   * workflow (`undelivered`: its workflow tasks keep failing), or of a change `accepted` by a run
   * closed outside Vigil once it had recorded it. Its `updateId` links them.
   */
  private async audit(request: UpdateRequest, outcome: 'requested' | 'accepted' | 'rejected' | 'failed' | 'undelivered', at: { workflowId: string; runId?: string; reason?: string }): Promise<void> {
    await this.auditLog.append({
      chainId: incidentChainId(request.incidentId),
      type: 'workflow.update',
      actor: request.actor,
      incidentId: request.incidentId,
      ...activeTraceFields(),
      workflowId: at.workflowId,
      runId: at.runId ?? null,
      data: { update: UPDATES[request.to].name, updateId: request.updateId, outcome, note: request.note ?? null, ...(at.reason === undefined ? {} : { reason: at.reason }) },
    });
  }
}

function notAllowed(status: string, to: string, reason?: string): DomainError {
  return new DomainError(DomainErrorCode.TransitionNotAllowed, reason ?? `incident is ${status}; cannot move to ${to}`, {
    currentStatus: status,
    requestedStatus: to,
  });
}
