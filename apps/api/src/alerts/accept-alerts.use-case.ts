import { Injectable } from '@nestjs/common';
import type { SpanContext } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { alertChainId, AuditLog, incidentChainId, type AuditEventInput } from '../../../../libs/audit';
import { VigilConfig } from '../../../../libs/config';
import { incidentWorkflowId, incidentWorkflowInput, type QueuedIncidentCommand } from '../../../../libs/contracts';
import { incidentTitle, type CanonicalAlert } from '../../../../libs/domain';
import {
  GroupCommit,
  incidentIntakeStore as store,
  isDatabaseUnavailable,
  retryOnConflict,
  type AlertOutcome,
  type AppliedAlert,
  type IntakeAlert,
  type QueuedCommand,
} from '../../../../libs/persistence';
import { activeSpanContext, activeTraceIds, captureTraceCarrier, inBatchSpan, type TraceCarrier } from '../../../../libs/telemetry';
import { IntakeMetrics } from '../metrics/intake.metrics';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service';
import type { OutboxCommand } from '../outbox/outbox.store';
import { alertFingerprint } from './fingerprint';

export interface AcceptAlertsCommand {
  alerts: CanonicalAlert[];
  idempotencyKey?: string;
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
  actor: string;
  source: string;
  traceId: string | null;
  spanId: string | null;
  carrier: TraceCarrier;
  span?: SpanContext;
}

interface BatchEntry {
  request: IntakeRequest;
  alert: IntakeAlert;
  applied?: AppliedAlert;
}

/** How long a freshly committed command stays reserved for this process's immediate dispatch. */
const IMMEDIATE_DISPATCH_LEASE_MS = 15_000;

/**
 * Durable accept. Each request's alerts are stored, applied to their incidents, audited and
 * their workflow commands queued in one PostgreSQL transaction; only after the commit does the
 * caller answer 202. Requests arriving together share that transaction (group commit, never
 * splitting a request); the queued commands are then dispatched to Temporal.
 */
@Injectable()
export class AcceptAlerts {
  private readonly batches: GroupCommit<IntakeRequest, AcceptedAlert[]>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly auditLog: AuditLog,
    private readonly dispatcher: OutboxDispatcher,
    private readonly config: VigilConfig,
    private readonly metrics: IntakeMetrics,
  ) {
    this.batches = new GroupCommit({
      commit: (requests) => this.commitBatch(requests),
      maxBatchWeight: config.intake.commitMaxAlerts,
      concurrency: config.intake.commitConcurrency,
      retryAlone: (error) => !isDatabaseUnavailable(error),
      onBatch: (_requests, alerts) => metrics.batchCommitted(alerts),
    });
  }

  async execute(command: AcceptAlertsCommand): Promise<AcceptedAlert[]> {
    const request = this.toIntakeRequest(command);
    const accepted = await this.batches.submit(request, request.alerts.length).catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) this.metrics.alertsRefused('unavailable', command.alerts.length);
      throw error;
    });
    for (const alert of accepted) this.metrics.alertAccepted(alert.outcome, alert.replayed);
    return accepted;
  }

  private toIntakeRequest(command: AcceptAlertsCommand): IntakeRequest {
    const { traceId, spanId } = activeTraceIds();
    const keyOf = (index: number) =>
      command.idempotencyKey && (command.alerts.length === 1 ? command.idempotencyKey : `${command.idempotencyKey}#${index}`);
    const alerts = command.alerts.map((alert, index): IntakeAlert => {
      const newIncidentId = randomUUID();
      return {
        id: randomUUID(),
        fingerprint: alertFingerprint(alert.labels, alert.dedupKey),
        idempotencyKey: keyOf(index) || null,
        status: alert.status,
        severity: alert.labels.severity,
        service: alert.labels.service,
        alertname: alert.labels.alertname,
        title: incidentTitle(alert),
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt ?? null,
        endsAt: alert.endsAt ?? null,
        source: command.source,
        actor: command.actor,
        traceId,
        newIncidentId,
        workflowId: incidentWorkflowId(newIncidentId),
      };
    });
    return { alerts, actor: command.actor, source: command.source, traceId, spanId, carrier: captureTraceCarrier(), span: activeSpanContext() };
  }

  private async commitBatch(requests: IntakeRequest[]): Promise<AcceptedAlert[][]> {
    const entries = requests.flatMap((request) => request.alerts.map((alert): BatchEntry => ({ request, alert })));
    const attributes = { 'vigil.intake.requests': requests.length, 'vigil.intake.alerts': entries.length };
    const queued = await inBatchSpan('vigil.intake.commit', requests.map((r) => r.span), attributes, () =>
      retryOnConflict(() => this.dataSource.transaction((m) => this.applyBatch(m, entries))),
    );
    this.dispatcher.dispatchSoon(queued);
    let next = 0;
    return requests.map((request) => entries.slice(next, (next += request.alerts.length)).map((e) => this.answer(e)));
  }

  /** The transaction: apply every alert, append their audit events, queue their workflow commands. */
  private async applyBatch(m: EntityManager, entries: BatchEntry[]): Promise<OutboxCommand[]> {
    // By fingerprint (stable, so one fingerprint's alerts keep their order): concurrent batches
    // then lock incident rows in the same order.
    const ordered = [...entries].sort((a, b) => (a.alert.fingerprint < b.alert.fingerprint ? -1 : a.alert.fingerprint > b.alert.fingerprint ? 1 : 0));
    const applied = await store.applyAlerts(m, ordered.map((e) => e.alert));
    ordered.forEach((entry, i) => (entry.applied = applied[i]));

    const fresh = ordered.filter((e) => !e.applied?.replayed);
    await this.auditLog.appendMany(fresh.map(receivedEvent), m);

    const commands = fresh.flatMap((entry): QueuedCommand[] => {
      const command = workflowCommand(entry);
      const incident = entry.applied?.incident;
      if (!command || !incident) return [];
      return [{ incidentId: incident.id, workflowId: incident.workflowId, payload: { input: incidentWorkflowInput(incident), command }, ...entry.request.carrier }];
    });
    const ids = await store.enqueueCommands(m, commands, IMMEDIATE_DISPATCH_LEASE_MS);
    return commands.map((c, i) => ({ id: ids[i], workflowId: c.workflowId, payload: c.payload, traceparent: c.traceparent, tracestate: c.tracestate, attempts: 0 }));
  }

  private answer({ alert, applied, request }: BatchEntry): AcceptedAlert {
    if (!applied) throw new Error(`alert ${alert.id} was not applied`);
    const { incident, outcome, replayed } = applied;
    return {
      alertId: applied.alertId,
      fingerprint: alert.fingerprint,
      outcome,
      deduplicated: replayed || outcome === 'deduplicated',
      replayed,
      incidentId: incident?.id ?? null,
      incidentStatus: incident?.status ?? null,
      occurrenceCount: incident?.occurrenceCount ?? null,
      workflowId: incident?.workflowId ?? null,
      temporalUiUrl: incident ? this.config.temporalUiWorkflowUrl(incident.workflowId) : null,
      traceId: request.traceId,
    };
  }
}

function receivedEvent({ alert, applied, request }: BatchEntry): AuditEventInput {
  const incident = applied?.incident ?? null;
  return {
    chainId: incident ? incidentChainId(incident.id) : alertChainId(alert.fingerprint),
    type: 'alert.received',
    actor: alert.actor,
    incidentId: incident?.id,
    traceId: request.traceId,
    spanId: request.spanId,
    workflowId: incident?.workflowId,
    data: { alertId: alert.id, fingerprint: alert.fingerprint, status: alert.status, severity: alert.severity, outcome: applied?.outcome, source: alert.source },
  };
}

/** The workflow command an applied alert implies; plain repeats imply none. */
function workflowCommand({ alert, applied }: BatchEntry): QueuedIncidentCommand | null {
  switch (applied?.outcome) {
    case 'created':
      return { kind: 'opened', actor: alert.actor };
    case 'resolved':
      return { kind: 'resolve', actor: alert.actor, reason: 'resolved alert received' };
    case 'deduplicated':
      return applied.severityChanged ? { kind: 'severity', actor: alert.actor, severity: alert.severity } : null;
    default:
      return null;
  }
}
