import type { EntityManager } from 'typeorm';
import type { AlertStatus, IncidentStatus, Severity } from '../../../domain';
import type { AlertOutcome } from '../entities/alert.entity';
import type { OutboxPayload } from '../entities/outbox-entry.entity';

/** The incident columns intake needs back to answer and to build the workflow input. */
export interface IncidentSnapshot {
  id: string;
  fingerprint: string;
  status: IncidentStatus;
  severity: Severity;
  service: string;
  alertname: string;
  title: string;
  workflowId: string;
  occurrenceCount: number;
}

/** One alert as intake stores it, with what a new incident for it would be. */
export interface IntakeAlert {
  id: string;
  fingerprint: string;
  idempotencyKey: string | null;
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
}

export interface AppliedAlert {
  /** The stored alert: this one, or for a replayed Idempotency-Key the one stored first. */
  alertId: string;
  outcome: AlertOutcome;
  replayed: boolean;
  severityChanged: boolean;
  incident: IncidentSnapshot | null;
}

export interface QueuedCommand {
  incidentId: string;
  workflowId: string;
  payload: OutboxPayload;
  traceparent?: string;
  tracestate?: string;
}

interface AppliedRow {
  ord: number;
  alert_id: string;
  outcome: AlertOutcome;
  replayed: boolean;
  severity_changed: boolean;
  incident_id: string | null;
  incident_status: IncidentStatus;
  incident_severity: Severity;
  service: string;
  alertname: string;
  title: string;
  workflow_id: string;
  occurrence_count: number;
}

/**
 * The SQL of durable intake, a batch at a time. Every function runs inside the caller's
 * transaction; the partial unique index `incidents_one_open_per_fingerprint` makes concurrent
 * first alerts converge on one incident.
 */
export const incidentIntakeStore = {
  /**
   * Applies alerts to incidents in the given order (see `intake_apply` in migrations): claims
   * Idempotency-Keys, opens / counts / resolves incidents, stores the alerts. One round trip.
   */
  async applyAlerts(m: EntityManager, alerts: IntakeAlert[]): Promise<AppliedAlert[]> {
    const input = alerts.map((alert, ord) => ({ ord, ...alert }));
    const rows: AppliedRow[] = await m.query(`SELECT * FROM intake_apply($1::jsonb)`, [JSON.stringify(input)]);
    const applied = new Array<AppliedAlert>(alerts.length);
    for (const row of rows) {
      applied[row.ord] = {
        alertId: row.alert_id,
        outcome: row.outcome,
        replayed: row.replayed,
        severityChanged: row.severity_changed,
        incident: row.incident_id
          ? {
              id: row.incident_id,
              fingerprint: alerts[row.ord].fingerprint,
              status: row.incident_status,
              severity: row.incident_severity,
              service: row.service,
              alertname: row.alertname,
              title: row.title,
              workflowId: row.workflow_id,
              occurrenceCount: row.occurrence_count,
            }
          : null,
      };
    }
    return applied;
  },

  /**
   * Queues workflow commands, returning their ids in the order given. The rows start leased
   * (`next_attempt_at` in the future) to the process that commits them, which dispatches them
   * at once; if that process dies, the poller of any API process takes them over when the lease ends.
   */
  async enqueueCommands(m: EntityManager, commands: QueuedCommand[], leaseMs: number): Promise<string[]> {
    if (commands.length === 0) return [];
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO workflow_outbox (incident_id, workflow_id, payload, traceparent, tracestate, next_attempt_at)
       SELECT c."incidentId", c."workflowId", c.payload, c.traceparent, c.tracestate,
              now() + make_interval(secs => $2::double precision / 1000)
       FROM jsonb_to_recordset($1::jsonb)
            AS c(ord int, "incidentId" uuid, "workflowId" text, payload jsonb, traceparent text, tracestate text)
       ORDER BY c.ord
       RETURNING id`,
      [JSON.stringify(commands.map((command, ord) => ({ ord, ...command }))), leaseMs],
    );
    // Ids come from one sequence in insertion order, so ascending ids follow the input order.
    return rows.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
  },
};
