import type { QueuedIncidentCommand } from '../../../contracts';
import type { AlertStatus, IncidentStatus, Severity } from '../../../domain';
import type { AlertOutcome } from '../entities/alert.entity';
import type { OutboxPayload } from '../entities/outbox-entry.entity';
import type { SqlRunner } from '../held-connections';

/** One alert as intake stores it, with everything its outcome may need. */
export interface IntakeAlert {
  id: string;
  fingerprint: string;
  /** The sender's Idempotency-Key, scoped to the sender (and to the alert's place in a batch). */
  idempotencyKey: string | null;
  /** With a key: the hash of the request's alerts, so that the key cannot replay a different request. */
  idempotencyRequestHash: string | null;
  status: AlertStatus;
  severity: Severity;
  service: string;
  alertname: string;
  title: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string | null;
  endsAt: string | null;
  source: string;
  actor: string;
  traceId: string | null;
  /** Used only when the alert opens an incident. */
  newIncidentId: string;
  workflowId: string;
  /** The request's trace context, stored with a queued workflow command. */
  traceparent?: string;
  tracestate?: string;
  /** Its `alert.received` audit event, cut at INTAKE_AUDIT_HOLES. */
  audit: string[];
  /** The workflow command each outcome implies (none for plain repeats). */
  commands: Partial<Record<'created' | 'severity' | 'resolved', QueuedIncidentCommand>>;
}

/**
 * Where intake_accept fills in the audit event, in this (canonical) order. `severityChangedFrom`:
 * the incident's severity before this alert changed it, else null.
 */
export const INTAKE_AUDIT_HOLES = ['chainId', 'data.outcome', 'data.severityChangedFrom', 'incidentId', 'workflowId'] as const;

export interface AcceptedIntakeAlert {
  /** The stored alert: this one, or for a replayed Idempotency-Key the one stored first. */
  alertId: string;
  outcome: AlertOutcome;
  replayed: boolean;
  incident: { id: string; status: IncidentStatus; occurrenceCount: number; workflowId: string } | null;
  /** The workflow command queued for it, leased to this process for immediate dispatch. */
  queued: { id: string; payload: OutboxPayload } | null;
}

interface AcceptedRow {
  ord: number;
  alert_id: string;
  outcome: AlertOutcome;
  replayed: boolean;
  incident_id: string | null;
  incident_status: IncidentStatus;
  occurrence_count: number;
  workflow_id: string;
  outbox_id: string | null;
  outbox_payload: OutboxPayload | null;
}

/**
 * Durable intake of a batch in one statement, `intake_accept` (migrations): claims Idempotency-Keys,
 * opens / counts / resolves incidents, stores the alerts, queues workflow commands and appends the
 * audit events, atomically. The partial unique index `incidents_one_open_per_fingerprint` makes
 * concurrent first alerts converge on one incident. Alerts are applied in the order given.
 */
export async function acceptIntakeAlerts(db: SqlRunner, alerts: IntakeAlert[], leaseMs: number): Promise<AcceptedIntakeAlert[]> {
  const input = alerts.map((alert, ord) => ({ ord, ...alert }));
  const rows = await db.query<AcceptedRow[]>(`SELECT * FROM intake_accept($1::jsonb, $2)`, [JSON.stringify(input), leaseMs]);
  const accepted = new Array<AcceptedIntakeAlert>(alerts.length);
  for (const row of rows) {
    accepted[row.ord] = {
      alertId: row.alert_id,
      outcome: row.outcome,
      replayed: row.replayed,
      incident: row.incident_id
        ? { id: row.incident_id, status: row.incident_status, occurrenceCount: row.occurrence_count, workflowId: row.workflow_id }
        : null,
      queued: row.outbox_id && row.outbox_payload ? { id: row.outbox_id, payload: row.outbox_payload } : null,
    };
  }
  return accepted;
}
