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

export interface AlertRow {
  id: string;
  fingerprint: string;
  idempotencyKey: string | null;
  status: AlertStatus;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string | null;
  endsAt: string | null;
  source: string;
  actor: string;
  traceId: string | null;
}

export interface NewIncident {
  id: string;
  fingerprint: string;
  severity: Severity;
  service: string;
  alertname: string;
  title: string;
  labels: Record<string, string>;
  workflowId: string;
  traceId: string | null;
}

const SNAPSHOT_COLUMNS = `id, fingerprint, status, severity, service, alertname, title, workflow_id AS "workflowId", occurrence_count AS "occurrenceCount"`;

/**
 * The SQL of durable intake. Every function runs inside the caller's transaction; the partial
 * unique index `incidents_one_open_per_fingerprint` makes concurrent first alerts converge on one incident.
 */
export const incidentIntakeStore = {
  /** Opens an incident for the fingerprint, or counts one more occurrence of the open one. */
  async upsertFiringIncident(m: EntityManager, incident: NewIncident): Promise<{ incident: IncidentSnapshot; created: boolean }> {
    const rows: Array<IncidentSnapshot & { created: boolean }> = await m.query(
      `INSERT INTO incidents (id, fingerprint, status, severity, service, alertname, title, labels, occurrence_count,
                              first_seen_at, last_seen_at, workflow_id, trace_id, created_at, updated_at)
       VALUES ($1, $2, 'triggered', $3, $4, $5, $6, $7, 1, now(), now(), $8, $9, now(), now())
       ON CONFLICT (fingerprint) WHERE status <> 'resolved'
       DO UPDATE SET occurrence_count = incidents.occurrence_count + 1, last_seen_at = now(), updated_at = now()
       RETURNING ${SNAPSHOT_COLUMNS}, (xmax = 0) AS created`,
      [incident.id, incident.fingerprint, incident.severity, incident.service, incident.alertname, incident.title,
        incident.labels, incident.workflowId, incident.traceId],
    );
    const { created, ...snapshot } = rows[0];
    return { incident: snapshot, created };
  },

  async changeSeverity(m: EntityManager, incidentId: string, severity: Severity): Promise<void> {
    await m.query(`UPDATE incidents SET severity = $2, updated_at = now() WHERE id = $1`, [incidentId, severity]);
  },

  /** Resolves the open incident for the fingerprint, if there is one. */
  async resolveOpenIncident(m: EntityManager, fingerprint: string, actor: string): Promise<IncidentSnapshot | null> {
    const [rows]: [IncidentSnapshot[], number] = await m.query(
      `UPDATE incidents SET status = 'resolved', resolved_at = now(), resolved_by = $2, last_seen_at = now(), updated_at = now()
       WHERE fingerprint = $1 AND status <> 'resolved'
       RETURNING ${SNAPSHOT_COLUMNS}`,
      [fingerprint, actor],
    );
    return rows[0] ?? null;
  },

  /**
   * Stores a keyed alert before anything else. False means the key was already used (this
   * waits for a concurrent holder of the key to commit), so the caller replays the first answer.
   */
  async claimIdempotencyKey(m: EntityManager, alert: AlertRow): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `${INSERT_ALERT} ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      alertParams(alert, null, 'created'),
    );
    return rows.length === 1;
  },

  async findByIdempotencyKey(m: EntityManager, key: string): Promise<{ alertId: string; outcome: AlertOutcome; incident: IncidentSnapshot | null } | null> {
    const rows: Array<{ alertId: string; outcome: AlertOutcome; incidentId: string | null }> = await m.query(
      `SELECT id AS "alertId", outcome, incident_id AS "incidentId" FROM alerts WHERE idempotency_key = $1`,
      [key],
    );
    if (!rows[0]) return null;
    const incident = rows[0].incidentId
      ? ((await m.query(`SELECT ${SNAPSHOT_COLUMNS} FROM incidents WHERE id = $1`, [rows[0].incidentId])) as IncidentSnapshot[])[0]
      : null;
    return { alertId: rows[0].alertId, outcome: rows[0].outcome, incident: incident ?? null };
  },

  async insertAlert(m: EntityManager, alert: AlertRow, incidentId: string | null, outcome: AlertOutcome): Promise<void> {
    await m.query(INSERT_ALERT, alertParams(alert, incidentId, outcome));
  },

  async attachAlert(m: EntityManager, alertId: string, incidentId: string | null, outcome: AlertOutcome): Promise<void> {
    await m.query(`UPDATE alerts SET incident_id = $2, outcome = $3 WHERE id = $1`, [alertId, incidentId, outcome]);
  },

  /**
   * Queues a workflow command. The row starts leased (`next_attempt_at` in the future) to the
   * process that commits it, which dispatches it at once; if that process dies, the poller
   * of any API process takes it over when the lease ends.
   */
  async enqueueCommand(
    m: EntityManager,
    command: { incidentId: string; workflowId: string; payload: OutboxPayload; traceparent?: string; tracestate?: string; leaseMs: number },
  ): Promise<string> {
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO workflow_outbox (incident_id, workflow_id, payload, traceparent, tracestate, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::double precision / 1000))
       RETURNING id`,
      [command.incidentId, command.workflowId, command.payload, command.traceparent ?? null, command.tracestate ?? null, command.leaseMs],
    );
    return rows[0].id;
  },
};

const INSERT_ALERT = `INSERT INTO alerts (id, incident_id, fingerprint, idempotency_key, status, severity, labels, annotations,
                                          starts_at, ends_at, source, outcome, actor, trace_id)
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`;

function alertParams(alert: AlertRow, incidentId: string | null, outcome: AlertOutcome): unknown[] {
  return [alert.id, incidentId, alert.fingerprint, alert.idempotencyKey, alert.status, alert.severity, alert.labels,
    alert.annotations, alert.startsAt, alert.endsAt, alert.source, outcome, alert.actor, alert.traceId];
}
