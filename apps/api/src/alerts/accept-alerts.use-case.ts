import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { SpanContext } from '@opentelemetry/api';
import { createHash } from 'node:crypto';
import { v7 as timeOrderedUuid } from 'uuid';
import { DataSource } from 'typeorm';
import { alertChainId, AuditLog, canonicalJson } from '../../../../libs/audit';
import { VigilConfig } from '../../../../libs/config';
import { incidentWorkflowId } from '../../../../libs/contracts';
import { DomainError, DomainErrorCode, incidentTitle, type CanonicalAlert } from '../../../../libs/domain';
import {
  acceptIntakeAlerts,
  GroupCommit,
  HeldConnections,
  INTAKE_AUDIT_HOLES,
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
import type { OutboxCommand } from '../outbox/outbox.store';
import { alertFingerprint } from './fingerprint';

export interface AcceptAlertsCommand {
  alerts: CanonicalAlert[];
  idempotencyKey?: string;
  /** Whose Idempotency-Keys these are (the sending API key): two senders' keys never meet. */
  idempotencyScope: string;
  source: string;
  actor: string;
}

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
  traceId: string | null;
  span?: SpanContext;
}

/** The batch was stored but could not be answered: it must never be committed again. */
class CommittedIntakeError extends Error {
  constructor(cause: unknown) {
    super(`intake committed, but answering failed: ${String(cause)}`, { cause });
  }
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
  private readonly batches: GroupCommit<IntakeRequest, AcceptedAlert[]>;
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
      retryAlone: (error) => !isDatabaseUnavailable(error) && !(error instanceof CommittedIntakeError),
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
    const request = this.toIntakeRequest(command);
    const accepted = await this.batches.submit(request, request.alerts.length).catch((error: unknown) => {
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
    for (const alert of accepted) this.metrics.alertAccepted(alert.outcome, alert.replayed);
    return accepted;
  }

  private toIntakeRequest(command: AcceptAlertsCommand): IntakeRequest {
    const { traceId, spanId } = activeTraceIds();
    const carrier = captureTraceCarrier();
    const keyOf = (index: number) => command.idempotencyKey && storedIdempotencyKey(command.idempotencyScope, command.idempotencyKey, index);
    const requestHash = command.idempotencyKey ? createHash('sha256').update(canonicalJson(command.alerts)).digest('hex') : null;
    const alerts = command.alerts.map((alert, index): IntakeAlert => {
      // Time-ordered and increasing within this process: alerts (and incidents) that one commit
      // stores share their received_at, and their ids then list them in the order they were applied.
      const id = timeOrderedUuid();
      const newIncidentId = timeOrderedUuid();
      const fingerprint = alertFingerprint(alert.labels, alert.dedupKey);
      const { actor, source } = command;
      const { severity } = alert.labels;
      return {
        id,
        fingerprint,
        idempotencyKey: keyOf(index) || null,
        idempotencyRequestHash: requestHash,
        status: alert.status,
        severity,
        service: alert.labels.service,
        alertname: alert.labels.alertname,
        title: incidentTitle(alert),
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt ?? null,
        endsAt: alert.endsAt ?? null,
        source,
        actor,
        traceId,
        newIncidentId,
        workflowId: incidentWorkflowId(newIncidentId),
        ...carrier,
        // The chain, outcome and incident are the database's to fill in (INTAKE_AUDIT_HOLES).
        audit: this.auditLog.contentTemplate(
          { chainId: alertChainId(fingerprint), type: 'alert.received', actor, traceId, spanId, data: { alertId: id, fingerprint, status: alert.status, severity, source } },
          INTAKE_AUDIT_HOLES,
        ),
        commands: commandsByOutcome(alert, actor),
      };
    });
    return { alerts, traceId, span: activeSpanContext() };
  }

  private async commitBatch(requests: IntakeRequest[]): Promise<AcceptedAlert[][]> {
    const alerts = requests.flatMap((request) => request.alerts);
    // By fingerprint (stable, so one fingerprint's alerts keep their order): concurrent batches
    // then lock incident rows in the same order.
    const order = alerts.map((_, i) => i).sort((x, y) => (alerts[x].fingerprint < alerts[y].fingerprint ? -1 : alerts[x].fingerprint > alerts[y].fingerprint ? 1 : x - y));
    const attributes = { 'vigil.intake.requests': requests.length, 'vigil.intake.alerts': alerts.length };
    const results = await inBatchSpan('vigil.intake.commit', requests.map((r) => r.span), attributes, () =>
      retryOnConflict(() => acceptIntakeAlerts(this.connections, order.map((i) => alerts[i]), IMMEDIATE_DISPATCH_LEASE_MS)),
    );
    try {
      return this.afterCommit(requests, alerts, order, results);
    } catch (error) {
      throw new CommittedIntakeError(error);
    }
  }

  /** Hands the queued commands to the dispatcher and builds each request's answer. */
  private afterCommit(requests: IntakeRequest[], alerts: IntakeAlert[], order: number[], results: AcceptedIntakeAlert[]): AcceptedAlert[][] {
    const accepted = new Array<AcceptedIntakeAlert>(alerts.length);
    order.forEach((i, position) => (accepted[i] = results[position]));
    this.dispatcher.dispatchSoon(accepted.flatMap((result, i) => queuedCommand(result, alerts[i])));
    let next = 0;
    return requests.map((request) =>
      request.alerts.map((alert) => {
        const result = accepted[next++];
        return this.answer(alert, result, request.traceId);
      }),
    );
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

/**
 * The key as stored: the sender's scope, the key, and after the first alert its place in the
 * batch. The header allows no spaces, so no two (scope, key, place) give the same text; and any
 * two requests with the same key share the first alert's, so a different request meets the first
 * one's hash there, whatever its length.
 */
function storedIdempotencyKey(scope: string, key: string, index: number): string {
  return index === 0 ? `${scope} ${key}` : `${scope} ${key} ${index}`;
}

/** The workflow command each outcome of an alert implies; plain repeats imply none. */
function commandsByOutcome(alert: CanonicalAlert, actor: string): IntakeAlert['commands'] {
  if (alert.status === 'resolved') return { resolved: { kind: 'resolve', actor, reason: 'resolved alert received' } };
  return { created: { kind: 'opened', actor }, severity: { kind: 'severity', actor, severity: alert.labels.severity } };
}

function queuedCommand({ queued, incident }: AcceptedIntakeAlert, alert: IntakeAlert): OutboxCommand[] {
  if (!queued || !incident) return [];
  return [{ id: queued.id, workflowId: incident.workflowId, payload: queued.payload, traceparent: alert.traceparent, tracestate: alert.tracestate, attempts: 0 }];
}
