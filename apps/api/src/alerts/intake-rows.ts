import { createHash } from 'node:crypto';
import { v7 as timeOrderedUuid } from 'uuid';
import { alertChainId, canonicalJson, type AuditLog } from '../../../../libs/audit';
import { incidentWorkflowId } from '../../../../libs/contracts';
import { incidentTitle, type CanonicalAlert } from '../../../../libs/domain';
import { INTAKE_AUDIT_HOLES, type AcceptedIntakeAlert, type IntakeAlert } from '../../../../libs/persistence';
import type { TraceCarrier } from '../../../../libs/telemetry';
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

/** The trace of the request that sent the alerts, as its rows carry it. */
export interface IntakeTrace {
  traceId: string | null;
  spanId: string | null;
  carrier: TraceCarrier;
}

/** One request's alerts as intake stores them, with everything each outcome may need. */
export function intakeRows(command: AcceptAlertsCommand, trace: IntakeTrace, auditLog: Pick<AuditLog, 'contentTemplate'>): IntakeAlert[] {
  const { actor, source, idempotencyKey, idempotencyScope } = command;
  const { traceId, spanId, carrier } = trace;
  const requestHash = idempotencyKey ? createHash('sha256').update(canonicalJson(command.alerts)).digest('hex') : null;
  return command.alerts.map((alert, index): IntakeAlert => {
    // Time-ordered and increasing within this process: alerts (and incidents) that one commit
    // stores share their received_at, and their ids then list them in the order they were applied.
    const id = timeOrderedUuid();
    const newIncidentId = timeOrderedUuid();
    const fingerprint = alertFingerprint(alert.labels, alert.dedupKey);
    const { severity } = alert.labels;
    return {
      id,
      fingerprint,
      idempotencyKey: idempotencyKey ? storedIdempotencyKey(idempotencyScope, idempotencyKey, index) : null,
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
      audit: auditLog.contentTemplate(
        { chainId: alertChainId(fingerprint), type: 'alert.received', actor, traceId, spanId, data: { alertId: id, fingerprint, status: alert.status, severity, source } },
        INTAKE_AUDIT_HOLES,
      ),
      commands: commandsByOutcome(alert, actor),
    };
  });
}

/**
 * The key as stored: the sender's scope, the key, and after the first alert its place in the
 * batch. The header allows no spaces, so no two (scope, key, place) give the same text; and any
 * two requests with the same key share the first alert's, so a different request meets the first
 * one's hash there, whatever its length.
 */
export function storedIdempotencyKey(scope: string, key: string, index: number): string {
  return index === 0 ? `${scope} ${key}` : `${scope} ${key} ${index}`;
}

/** The workflow command each outcome of an alert implies; plain repeats imply none. */
export function commandsByOutcome(alert: CanonicalAlert, actor: string): IntakeAlert['commands'] {
  if (alert.status === 'resolved') return { resolved: { kind: 'resolve', actor, reason: 'resolved alert received' } };
  return { created: { kind: 'opened', actor }, severity: { kind: 'severity', actor, severity: alert.labels.severity } };
}

/**
 * A batch's alerts by fingerprint (stable, so one fingerprint's alerts keep their order):
 * concurrent batches then lock incident rows in the same order. `perRequest` gives results that
 * follow this order back to each request, in the request's own order.
 */
export function inFingerprintOrder(requests: IntakeAlert[][]): { alerts: IntakeAlert[]; perRequest: <T>(results: T[]) => T[][] } {
  const alerts = requests.flat();
  const order = alerts.map((_, i) => i).sort((x, y) => (alerts[x].fingerprint < alerts[y].fingerprint ? -1 : alerts[x].fingerprint > alerts[y].fingerprint ? 1 : x - y));
  const perRequest = <T>(results: T[]): T[][] => {
    const inRequestOrder = new Array<T>(alerts.length);
    order.forEach((i, position) => (inRequestOrder[i] = results[position]));
    let next = 0;
    return requests.map((request) => request.map(() => inRequestOrder[next++]));
  };
  return { alerts: order.map((i) => alerts[i]), perRequest };
}

/** The workflow commands a request's commit queued, for the dispatcher, with the request's trace context. */
export function queuedCommands(alerts: IntakeAlert[], accepted: AcceptedIntakeAlert[]): OutboxCommand[] {
  return accepted.flatMap(({ queued, incident }, i): OutboxCommand[] => {
    if (!queued || !incident) return [];
    const { traceparent, tracestate } = alerts[i];
    return [{ id: queued.id, workflowId: incident.workflowId, payload: queued.payload, traceparent, tracestate, attempts: 0 }];
  });
}
