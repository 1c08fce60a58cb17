import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Group-commit intake: one statement applies a whole batch of alerts to incidents, one more
 * appends all of their audit events. Round trips, not rows, were what intake paid for.
 */
export class GroupCommitIntake1764000000002 implements MigrationInterface {
  name = 'GroupCommitIntake1764000000002';

  async up(q: QueryRunner): Promise<void> {
    // Applies alerts one after another, in the order given (the caller sorts them by fingerprint,
    // so concurrent batches lock incident rows in the same order). Per alert: claim its
    // Idempotency-Key (a replay returns the first answer), open / count / resolve the incident,
    // store the alert. Runs as the caller (vigil_app).
    await q.query(`CREATE FUNCTION intake_apply(p_alerts jsonb)
      RETURNS TABLE (ord int, alert_id uuid, outcome text, replayed boolean, severity_changed boolean,
                     incident_id uuid, incident_status text, incident_severity text, service text, alertname text,
                     title text, workflow_id text, occurrence_count int)
      LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        a record;
        inc incidents%ROWTYPE;
        v_outcome text;
        v_alert_id uuid;
        v_incident_id uuid;
        v_replayed boolean;
        v_severity_changed boolean;
      BEGIN
        FOR a IN
          SELECT * FROM jsonb_to_recordset(p_alerts) AS x(
            ord int, id uuid, fingerprint text, "idempotencyKey" text, status text, severity text, service text,
            alertname text, title text, labels jsonb, annotations jsonb, "startsAt" timestamptz, "endsAt" timestamptz,
            source text, actor text, "traceId" text, "newIncidentId" uuid, "workflowId" text)
          ORDER BY x.ord
        LOOP
          v_alert_id := a.id;
          v_replayed := false;
          v_severity_changed := false;
          inc := NULL;

          IF a."idempotencyKey" IS NOT NULL THEN
            INSERT INTO alerts (id, incident_id, fingerprint, idempotency_key, status, severity, labels, annotations,
                                starts_at, ends_at, source, outcome, actor, trace_id)
            VALUES (a.id, NULL, a.fingerprint, a."idempotencyKey", a.status, a.severity, a.labels, a.annotations,
                    a."startsAt", a."endsAt", a.source, 'pending', a.actor, a."traceId")
            ON CONFLICT (idempotency_key) DO NOTHING;
            IF NOT FOUND THEN
              -- The key was used before (or by a concurrent request, whose commit this waited for).
              SELECT al.id, al.outcome, al.incident_id INTO v_alert_id, v_outcome, v_incident_id
                FROM alerts al WHERE al.idempotency_key = a."idempotencyKey";
              v_replayed := true;
              SELECT * INTO inc FROM incidents i WHERE i.id = v_incident_id;
            END IF;
          END IF;

          IF NOT v_replayed THEN
            IF a.status = 'resolved' THEN
              UPDATE incidents SET status = 'resolved', resolved_at = now(), resolved_by = a.actor,
                                   last_seen_at = now(), updated_at = now()
                WHERE fingerprint = a.fingerprint AND status <> 'resolved'
                RETURNING * INTO inc;
              v_outcome := CASE WHEN FOUND THEN 'resolved' ELSE 'no_open_incident' END;
            ELSE
              INSERT INTO incidents (id, fingerprint, status, severity, service, alertname, title, labels, occurrence_count,
                                     first_seen_at, last_seen_at, workflow_id, trace_id, created_at, updated_at)
              VALUES (a."newIncidentId", a.fingerprint, 'triggered', a.severity, a.service, a.alertname, a.title, a.labels, 1,
                      now(), now(), a."workflowId", a."traceId", now(), now())
              ON CONFLICT (fingerprint) WHERE status <> 'resolved'
              DO UPDATE SET occurrence_count = incidents.occurrence_count + 1, last_seen_at = now(), updated_at = now()
              RETURNING * INTO inc;
              IF inc.id = a."newIncidentId" THEN
                v_outcome := 'created';
              ELSE
                v_outcome := 'deduplicated';
                IF inc.severity <> a.severity THEN
                  UPDATE incidents SET severity = a.severity, updated_at = now() WHERE id = inc.id;
                  inc.severity := a.severity;
                  v_severity_changed := true;
                END IF;
              END IF;
            END IF;

            IF a."idempotencyKey" IS NOT NULL THEN
              UPDATE alerts SET incident_id = inc.id, outcome = v_outcome WHERE id = a.id;
            ELSE
              INSERT INTO alerts (id, incident_id, fingerprint, idempotency_key, status, severity, labels, annotations,
                                  starts_at, ends_at, source, outcome, actor, trace_id)
              VALUES (a.id, inc.id, a.fingerprint, NULL, a.status, a.severity, a.labels, a.annotations,
                      a."startsAt", a."endsAt", a.source, v_outcome, a.actor, a."traceId");
            END IF;
          END IF;

          ord := a.ord;
          alert_id := v_alert_id;
          outcome := v_outcome;
          replayed := v_replayed;
          severity_changed := v_severity_changed;
          incident_id := inc.id;
          incident_status := inc.status;
          incident_severity := inc.severity;
          service := inc.service;
          alertname := inc.alertname;
          title := inc.title;
          workflow_id := inc.workflow_id;
          occurrence_count := inc.occurrence_count;
          RETURN NEXT;
        END LOOP;
      END $$`);

    // Appends events in array order; the caller sorts them by chain so that concurrent
    // batches take chain-head locks in the same order.
    await q.query(`CREATE FUNCTION audit_append_many(p_contents text[]) RETURNS SETOF audit_events
      LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
      DECLARE
        c text;
      BEGIN
        FOREACH c IN ARRAY p_contents LOOP
          RETURN QUERY SELECT * FROM audit_append(c);
        END LOOP;
      END $$`);

    await q.query(`GRANT EXECUTE ON FUNCTION intake_apply(jsonb), audit_append_many(text[]) TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION audit_append_many(text[])`);
    await q.query(`DROP FUNCTION intake_apply(jsonb)`);
  }
}
