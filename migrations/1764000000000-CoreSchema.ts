import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Incidents, alerts, the workflow outbox and API keys, plus the `vigil_app` role the app connects as.
 * The role owns nothing: it gets row access here, and on the audit tables only INSERT and SELECT.
 */
export class CoreSchema1764000000000 implements MigrationInterface {
  name = 'CoreSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vigil_app') THEN CREATE ROLE vigil_app NOLOGIN; END IF;
    END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO vigil_app`);

    await q.query(`CREATE TABLE api_keys (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('ingest', 'responder', 'admin', 'auditor')),
      key_hash char(64) NOT NULL UNIQUE,
      key_prefix text NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    )`);

    await q.query(`CREATE TABLE incidents (
      id uuid PRIMARY KEY,
      fingerprint text NOT NULL,
      status text NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
      severity text NOT NULL CHECK (severity IN ('critical', 'high', 'warning', 'info')),
      service text NOT NULL,
      alertname text NOT NULL,
      title text NOT NULL,
      labels jsonb NOT NULL,
      occurrence_count integer NOT NULL DEFAULT 1,
      first_seen_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      acknowledged_at timestamptz,
      acknowledged_by text,
      resolved_at timestamptz,
      resolved_by text,
      workflow_id text NOT NULL UNIQUE,
      workflow_run_id text,
      trace_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // The guarantee behind dedup: at most one open incident per fingerprint, however many alerts race.
    await q.query(`CREATE UNIQUE INDEX incidents_one_open_per_fingerprint ON incidents (fingerprint) WHERE status <> 'resolved'`);
    await q.query(`CREATE INDEX incidents_by_recency ON incidents (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX incidents_by_status ON incidents (status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX incidents_by_service ON incidents (service, created_at DESC, id DESC)`);

    await q.query(`CREATE TABLE alerts (
      id uuid PRIMARY KEY,
      incident_id uuid REFERENCES incidents (id),
      fingerprint text NOT NULL,
      idempotency_key text UNIQUE,
      status text NOT NULL CHECK (status IN ('firing', 'resolved')),
      severity text NOT NULL,
      labels jsonb NOT NULL,
      annotations jsonb NOT NULL,
      starts_at timestamptz,
      ends_at timestamptz,
      source text NOT NULL,
      outcome text NOT NULL,
      actor text NOT NULL,
      trace_id text,
      received_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX alerts_by_incident ON alerts (incident_id, received_at)`);

    await q.query(`CREATE TABLE workflow_outbox (
      id bigserial PRIMARY KEY,
      incident_id uuid NOT NULL REFERENCES incidents (id),
      workflow_id text NOT NULL,
      payload jsonb NOT NULL,
      traceparent text,
      tracestate text,
      created_at timestamptz NOT NULL DEFAULT now(),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      dispatched_at timestamptz,
      last_error text
    )`);
    await q.query(`CREATE INDEX workflow_outbox_pending ON workflow_outbox (next_attempt_at, id) WHERE dispatched_at IS NULL`);

    await q.query(`GRANT SELECT, INSERT, UPDATE ON api_keys, incidents, alerts, workflow_outbox TO vigil_app`);
    await q.query(`GRANT USAGE, SELECT ON SEQUENCE workflow_outbox_id_seq TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE workflow_outbox`);
    await q.query(`DROP TABLE alerts`);
    await q.query(`DROP TABLE incidents`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM vigil_app`);
    // The role stays: roles belong to the whole cluster, and other databases in it (another Vigil,
    // the tests' databases) may still grant it rights. Up creates it only if it is missing.
  }
}
