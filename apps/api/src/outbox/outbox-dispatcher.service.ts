import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLog, incidentChainId } from '../../../../libs/audit';
import { VigilConfig } from '../../../../libs/config';
import { INCIDENT_WORKFLOW_TYPE, incidentCommandSignal, incidentStateQuery, VigilStatus, type IncidentCommand } from '../../../../libs/contracts';
import { isIncidentStatus } from '../../../../libs/domain';
import { describeErrorChain, incidentStartOptions, isTemporalRefusal } from '../../../../libs/temporal';
import { activeTraceFields, withTraceCarrier } from '../../../../libs/telemetry';
import { resolvesWithin } from '../resolves-within';
import { IncidentQueries } from '../incidents/incident-queries.service';
import { auditResolvedWithoutWorkflow, closedOutside } from '../incidents/resolve-without-workflow';
import { startInputFromRecord } from '../incidents/start-input-from-record';
import { retryDelayMs } from './backoff';
import { DeliveryQueue } from './delivery-queue';
import { OutboxStore, type OutboxCommand } from './outbox.store';

const DISPATCH_DEADLINE_MS = 5_000;
const POLL_LEASE_MS = 30_000;
const POLL_BATCH = 200;

/**
 * Delivers queued workflow commands to Temporal with signal-with-start: at once after intake
 * commits, and from a poller for anything left behind (Temporal down, a crashed process).
 * Delivery is at-least-once; the workflow drops commands it has already seen (by outbox id).
 * One incident's commands go one at a time, in outbox order (DeliveryQueue).
 *
 * At most `VIGIL_OUTBOX_MAX_QUEUED` commands wait here. While Temporal is down the queue drains
 * only as fast as deliveries time out, so past that bound commands are left to PostgreSQL, where
 * the poller finds them once their lease runs out: memory stays bounded however long the outage.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxDispatcher.name);
  private readonly deliveries: DeliveryQueue<OutboxCommand>;
  private pollTimer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private readonly handingBack = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly client: Client,
    private readonly store: OutboxStore,
    private readonly dataSource: DataSource,
    private readonly auditLog: AuditLog,
    private readonly config: VigilConfig,
    private readonly incidents: IncidentQueries,
  ) {
    const { concurrency, maxQueued } = config.outbox;
    this.deliveries = new DeliveryQueue({ concurrency, maxQueued }, (command) => this.deliver(command));
  }

  /** Commands waiting in this process for a delivery slot. */
  get queued(): number {
    return this.deliveries.queued;
  }

  onApplicationBootstrap(): void {
    this.pollTimer = setInterval(() => {
      this.polling ??= this.poll().finally(() => (this.polling = undefined));
    }, this.config.outbox.pollMs);
  }

  /**
   * Before the Temporal connection closes (onApplicationShutdown), so that deliveries under way
   * can finish. Waited for at most one delivery deadline: a delivery cut short stays in
   * PostgreSQL, and a poller sends it once its lease runs out. Commands this process holds but
   * has not sent (queued, or claimed by a poll under way) are handed back, for any poller at once.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    this.handBack(this.deliveries.clear());
    const settled = Promise.allSettled([this.polling, this.deliveries.settled()]).then(() => Promise.allSettled([...this.handingBack]));
    await resolvesWithin(settled, DISPATCH_DEADLINE_MS + 1_000);
  }

  /**
   * Hands freshly committed commands over for immediate delivery (fire and forget), in commit order.
   * Those the queue has no room for stay leased in PostgreSQL: the poller takes them once the lease
   * runs out. Once stopping, none is taken: all are handed back.
   */
  dispatchSoon(commands: OutboxCommand[]): void {
    if (this.stopped) this.handBack(commands);
    else this.deliveries.offer(commands);
  }

  private async poll(): Promise<void> {
    // With a full batch queued there is nothing to gain from leasing more, and never more than the
    // queue has room for: what is leased here stays ours until the lease ends.
    const room = Math.min(POLL_BATCH, this.deliveries.room);
    if (this.stopped || this.deliveries.queued >= POLL_BATCH || room <= 0) return;
    try {
      const due = await this.store.claimDue(room, POLL_LEASE_MS);
      if (due.length) this.logger.log(`retrying ${due.length} queued workflow command(s)`);
      this.dispatchSoon(due);
    } catch (error) {
      this.logger.warn(`outbox poll failed: ${String(error)}`);
    }
  }

  private handBack(commands: OutboxCommand[]): void {
    if (commands.length === 0) return;
    const ids = commands.map((command) => command.id);
    const done: Promise<void> = this.store
      .handBack(ids)
      .catch((error: unknown) => this.logger.warn(`could not hand back ${ids.length} workflow command(s); a poller takes them once their lease runs out: ${String(error)}`))
      .finally(() => this.handingBack.delete(done));
    this.handingBack.add(done);
  }

  private async deliver(command: OutboxCommand): Promise<void> {
    const carrier = { traceparent: command.traceparent ?? undefined, tracestate: command.tracestate ?? undefined };
    try {
      // In outbox order across API processes too: an earlier command for this incident still on its
      // way (another process has it, or it awaits a retry) goes first. An incident's first command has none.
      if (command.payload.command.kind !== 'opened' && (await this.store.hasEarlierUndelivered(command))) {
        await this.store.postpone(command.id, this.config.outbox.pollMs);
        return;
      }
      // The stored trace context makes the workflow a continuation of the HTTP request that queued it.
      const runId = await withTraceCarrier(carrier, () => this.signalWithStart(command));
      await withTraceCarrier(carrier, () => this.markDispatched(command, runId));
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        await withTraceCarrier(carrier, () => this.settleClosed(command)).catch((e: unknown) => this.retryLater(command, e));
        return;
      }
      await this.retryLater(command, error);
    }
  }

  private async signalWithStart(command: OutboxCommand): Promise<string> {
    const signal = { ...command.payload.command, seq: Number(command.id) } as IncidentCommand;
    // Should the run have to start, it starts from the record as it is now, not as it was when the
    // command was queued: Temporal may have forgotten a run of an incident acknowledged since.
    const incident = await this.incidents.get(command.payload.input.incidentId);
    const handle = await this.client.connection.withDeadline(Date.now() + DISPATCH_DEADLINE_MS, () =>
      this.client.workflow.signalWithStart(INCIDENT_WORKFLOW_TYPE, {
        ...incidentStartOptions(startInputFromRecord(incident), this.config),
        signal: incidentCommandSignal,
        signalArgs: [signal],
      }),
    );
    return handle.signaledRunId;
  }

  /**
   * The incident's workflow has closed. A command it took before it closed (its delivery was not
   * settled: PostgreSQL failed just then, or the process died) was delivered after all; any other
   * has nothing left to act on. A resolve no run took, of a run closed outside Vigil (terminated,
   * say), has still resolved the record (intake did): its state change is audited here, as the
   * API's resolve of such an incident audits it, since no workflow will.
   */
  private async settleClosed(command: OutboxCommand): Promise<void> {
    const handle = this.client.workflow.getHandle(command.workflowId);
    const [state, description] = await this.client.connection.withDeadline(Date.now() + DISPATCH_DEADLINE_MS, () =>
      // A worker answers the query (from the history), Temporal alone the describe.
      Promise.allSettled([handle.query(incidentStateQuery), handle.describe()]),
    );
    if (state.status === 'fulfilled' && description.status === 'fulfilled' && state.value.lastCommandSeq >= Number(command.id)) {
      return this.markDispatched(command, description.value.runId);
    }
    const unchecked = [state, description].find((answer) => answer.status === 'rejected');
    const reason = unchecked
      ? `workflow already closed; whether it took this command before could not be checked: ${describeErrorChain(unchecked.reason)}`
      : 'workflow already closed';
    const { command: queued } = command.payload;
    if (queued.kind !== 'resolve' || description.status === 'rejected' || description.value.status.name === 'COMPLETED') return this.markDropped(command, reason);
    // Its last status: the run's own state, else the search attribute it keeps (Temporal alone answers that).
    const lastStatus = state.status === 'fulfilled' ? state.value.status : description.value.typedSearchAttributes.get(VigilStatus);
    const resolved = {
      incidentId: command.payload.input.incidentId,
      actor: queued.actor,
      note: queued.reason,
      workflowId: command.workflowId,
      runId: description.value.runId,
      howClosed: `${closedOutside(description.value.status.name)}; resolved without it`,
      from: isIncidentStatus(lastStatus) ? lastStatus : null,
    };
    return this.markDropped(command, reason, (m) => auditResolvedWithoutWorkflow(m, this.auditLog, resolved));
  }

  private markDispatched(command: OutboxCommand, runId: string): Promise<void> {
    return this.settle(command, null, { type: 'workflow.signaled', runId, data: {} });
  }

  private markDropped(command: OutboxCommand, reason: string, alongside?: (m: EntityManager) => Promise<unknown>): Promise<void> {
    return this.settle(command, reason, { type: 'workflow.command_dropped', data: { reason } }, alongside);
  }

  /** Takes the command off the outbox and audits what became of it (and `alongside`, if given), in one transaction. */
  private async settle(
    command: OutboxCommand,
    note: string | null,
    event: { type: string; runId?: string; data: Record<string, unknown> },
    alongside?: (m: EntityManager) => Promise<unknown>,
  ): Promise<void> {
    const incidentId = command.payload.input.incidentId;
    const sent = command.payload.command;
    await this.dataSource.transaction(async (m) => {
      await this.store.markDispatched(command.id, note, m);
      await this.auditLog.append(
        {
          chainId: incidentChainId(incidentId),
          type: event.type,
          actor: 'vigil-dispatcher',
          incidentId,
          ...activeTraceFields(),
          workflowId: command.workflowId,
          runId: event.runId,
          data: { signal: incidentCommandSignal.name, command: sent.kind, ...(sent.kind === 'severity' ? { severity: sent.severity } : {}), seq: Number(command.id), ...event.data },
          idempotencyKey: `outbox:${command.id}`,
        },
        m,
      );
      await alongside?.(m);
    });
  }

  private async retryLater(command: OutboxCommand, error: unknown): Promise<void> {
    const delay = retryDelayMs(command.attempts + 1, this.config.outbox.maxBackoffMs);
    const reason = describeErrorChain(error);
    if (isTemporalRefusal(error)) {
      // Retried all the same: the cause (a search attribute not registered, say) may be fixed while the command waits.
      this.logger.error(`command ${command.id} for ${command.workflowId} refused by Temporal; it is retried in ${delay} ms but will be refused until the cause is fixed: ${reason}`);
    } else {
      this.logger.warn(`command ${command.id} for ${command.workflowId} not delivered, retry in ${delay} ms: ${reason}`);
    }
    await this.store.scheduleRetry(command.id, delay, reason).catch((e: unknown) => {
      // PostgreSQL is unreachable too: the row keeps its lease and the poller takes it when it ends.
      this.logger.warn(`could not record the retry of command ${command.id}: ${String(e)}`);
    });
  }
}
