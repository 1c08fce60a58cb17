import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { SpanContext } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import { AuditLog } from '../../../../libs/audit';
import { VigilConfig } from '../../../../libs/config';
import { DomainError, DomainErrorCode } from '../../../../libs/domain';
import {
  acceptIntakeAlerts,
  GroupCommit,
  HeldConnections,
  isDatabaseUnavailable,
  isIdempotencyKeyReused,
  retryOnConflict,
  type AcceptedIntakeAlert,
  type AlertOutcome,
  type IntakeAlert,
} from '../../../../libs/persistence';
import { activeSpanContext, activeTraceIds, captureTraceCarrier, inBatchSpan } from '../../../../libs/telemetry';
import { IntakeMetrics } from '../metrics/intake.metrics';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service';
import { inFingerprintOrder, intakeRows, queuedCommands, type AcceptAlertsCommand } from './intake-rows';

export interface AcceptedAlert {
  alertId: string;
  fingerprint: string;
  outcome: AlertOutcome;
  deduplicated: boolean;
  /** True when this answer repeats an earlier one for the same Idempotency-Key. */
  replayed: boolean;
  incidentId: string | null;
  incidentStatus: string | null;
  occurrenceCount: number | null;
  workflowId: string | null;
  temporalUiUrl: string | null;
  traceId: string | null;
}

/** One request's alerts, with the request's trace context captured before it waits for a batch. */
interface IntakeRequest {
  alerts: IntakeAlert[];
  span?: SpanContext;
}

/** How long a freshly committed command stays reserved for this process's immediate dispatch. */
const IMMEDIATE_DISPATCH_LEASE_MS = 15_000;

/**
 * Durable accept. Each request's alerts are stored, applied to their incidents, audited and
 * their workflow commands queued atomically, in one PostgreSQL statement (`intake_accept`);
 * only after it commits does the caller answer 202. Requests arriving together share that
 * statement (group commit, never splitting a request); the queued commands are then
 * dispatched to Temporal.
 */
@Injectable()
export class AcceptAlerts implements BeforeApplicationShutdown {
  // Only the statement can fail a batch: commands are dispatched and answers built after `submit`
  // resolves, so that no failure there can have a stored batch committed again.
  private readonly batches: GroupCommit<IntakeRequest, AcceptedIntakeAlert[]>;
  /** One per batch committing at a time, so that each batch's statement leaves at once. */
  private readonly connections: HeldConnections;

  constructor(
    dataSource: DataSource,
    private readonly auditLog: AuditLog,
    private readonly dispatcher: OutboxDispatcher,
    private readonly config: VigilConfig,
    private readonly metrics: IntakeMetrics,
  ) {
    this.connections = new HeldConnections(dataSource, config.intake.commitConcurrency);
    this.batches = new GroupCommit({
      commit: (requests) => this.commitBatch(requests),
      maxBatchWeight: config.intake.commitMaxAlerts,
      concurrency: config.intake.commitConcurrency,
      // A batch is retried request by request only when nothing was stored, and not when every request would fail alike.
      retryAlone: (error) => !isDatabaseUnavailable(error),
      onBatchTaken: (_requests, alerts) => metrics.batchTaken(alerts),
    });
  }

  /** Once the HTTP server is closed (CloseHttpFirst), before the DataSource closes. */
  beforeApplicationShutdown(): void {
    this.connections.close();
  }

  async execute(command: AcceptAlertsCommand): Promise<AcceptedAlert[]> {
    // Shed load rather than queue without bound: a sender that gives up waiting would retry an
    // alert that may still be stored, and count it twice.
    if (this.batches.waiting > 0 && this.batches.waitingWeight + command.alerts.length > this.config.intake.maxWaitingAlerts) {
      this.metrics.alertsRefused('overloaded', command.alerts.length);
      throw new DomainError(DomainErrorCode.IntakeOverloaded, `${this.batches.waitingWeight} alerts are already waiting to be stored; nothing was stored. Retry shortly.`);
    }
    const { traceId, spanId } = activeTraceIds();
    const alerts = intakeRows(command, { traceId, spanId, carrier: captureTraceCarrier() }, this.auditLog);
    const accepted = await this.batches.submit({ alerts, span: activeSpanContext() }, alerts.length).catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) this.metrics.alertsRefused('unavailable', command.alerts.length);
      if (isIdempotencyKeyReused(error)) {
        this.metrics.alertsRefused('rejected', command.alerts.length);
        throw new DomainError(
          DomainErrorCode.IdempotencyKeyReused,
          'this Idempotency-Key was already used for a different request; nothing was stored. Use a new key for a new request.',
        );
      }
      throw error;
    });
    this.dispatcher.dispatchSoon(queuedCommands(alerts, accepted));
    for (const alert of accepted) this.metrics.alertAccepted(alert.outcome, alert.replayed);
    return accepted.map((result, i) => this.answer(alerts[i], result, traceId));
  }

  /** Stores a batch in one statement; resolves with each request's rows, in the request's order. */
  private async commitBatch(requests: IntakeRequest[]): Promise<AcceptedIntakeAlert[][]> {
    const batch = inFingerprintOrder(requests.map((request) => request.alerts));
    const attributes = { 'vigil.intake.requests': requests.length, 'vigil.intake.alerts': batch.alerts.length };
    const results = await inBatchSpan('vigil.intake.commit', requests.map((r) => r.span), attributes, () =>
      retryOnConflict(() => acceptIntakeAlerts(this.connections, batch.alerts, IMMEDIATE_DISPATCH_LEASE_MS)),
    );
    return batch.perRequest(results);
  }

  private answer(alert: IntakeAlert, accepted: AcceptedIntakeAlert, traceId: string | null): AcceptedAlert {
    const { incident, outcome, replayed } = accepted;
    return {
      alertId: accepted.alertId,
      fingerprint: alert.fingerprint,
      outcome,
      deduplicated: replayed || outcome === 'deduplicated',
      replayed,
      incidentId: incident?.id ?? null,
      incidentStatus: incident?.status ?? null,
      occurrenceCount: incident?.occurrenceCount ?? null,
      workflowId: incident?.workflowId ?? null,
      temporalUiUrl: incident ? this.config.temporalUiWorkflowUrl(incident.workflowId) : null,
      traceId,
    };
  }
}
