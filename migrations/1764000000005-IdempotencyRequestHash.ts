import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SET_BASED_INTAKE_ACCEPT } from './1764000000003-SetBasedIntake';

/** `intake_accept` as this migration leaves it (1764000000013 builds on it). */
export const INTAKE_ACCEPT_WITH_REQUEST_HASH = `CREATE OR REPLACE FUNCTION intake_accept(p_alerts jsonb, p_lease_ms double precision)
      RETURNS TABLE (ord int, alert_id uuid, outcome text, replayed boolean, incident_id uuid, incident_status text,
                     occurrence_count int, workflow_id text, outbox_id bigint, outbox_payload jsonb)
      LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        v_alerts intake_alert[];
        v_repeated text[];
        a intake_alert;
        inc incidents%ROWTYPE;
        v_outcome text;
        v_alert_id uuid;
        v_incident_id uuid;
        v_replayed boolean;
        v_request_hash text;
        v_command jsonb;
        v_payload jsonb;
        v_outbox_id bigint;
        v_chain text;
        v_contents text[] := '{}';
        r_ord int[] := '{}';
        r_alert uuid[] := '{}';
        r_outcome text[] := '{}';
        r_replayed boolean[] := '{}';
        r_incident uuid[] := '{}';
        r_status text[] := '{}';
        r_count int[] := '{}';
        r_workflow text[] := '{}';
        r_outbox bigint[] := '{}';
        r_payload jsonb[] := '{}';
      BEGIN
        SELECT array_agg(x ORDER BY x.ord) INTO v_alerts FROM jsonb_populate_recordset(NULL::intake_alert, p_alerts) AS x;
        IF v_alerts IS NULL THEN RETURN; END IF;

        -- Every open incident of the batch, locked in fingerprint order (the API sends alerts in that
        -- order too), so that concurrent batches lock in one order. Those whose alerts here are all
        -- plain repeats are counted in bulk below.
        SELECT coalesce(array_agg(l.fingerprint), '{}') INTO v_repeated
          FROM (SELECT i.fingerprint, i.severity FROM incidents i
                 WHERE i.fingerprint IN (SELECT b.fingerprint FROM unnest(v_alerts) AS b) AND i.status <> 'resolved'
                 ORDER BY i.fingerprint FOR UPDATE) l
         WHERE NOT EXISTS (SELECT 1 FROM unnest(v_alerts) AS b
                            WHERE b.fingerprint = l.fingerprint
                              AND (b.status <> 'firing' OR b."idempotencyKey" IS NOT NULL OR b.severity <> l.severity));

        IF cardinality(v_repeated) > 0 THEN
          WITH counted AS (
            UPDATE incidents i SET occurrence_count = i.occurrence_count + g.n, last_seen_at = now(), updated_at = now()
              FROM (SELECT b.fingerprint, count(*)::int AS n FROM unnest(v_alerts) AS b
                     WHERE b.fingerprint = ANY (v_repeated) GROUP BY b.fingerprint) g
             WHERE i.fingerprint = g.fingerprint AND i.status <> 'resolved'
            RETURNING i.id, i.fingerprint, i.status, i.workflow_id, i.occurrence_count - g.n AS counted_before
          ), repeats AS (
            SELECT b.*, c.id AS incident, c.status AS incident_status, c.workflow_id AS incident_workflow,
                   (c.counted_before + row_number() OVER (PARTITION BY b.fingerprint ORDER BY b.ord))::int AS occurrences
              FROM unnest(v_alerts) AS b JOIN counted c ON c.fingerprint = b.fingerprint
          ), stored AS (
            INSERT INTO alerts (id, incident_id, fingerprint, idempotency_key, status, severity, labels, annotations,
                                starts_at, ends_at, source, outcome, actor, trace_id)
            SELECT r.id, r.incident, r.fingerprint, NULL, r.status, r.severity, r.labels, r.annotations,
                   r."startsAt", r."endsAt", r.source, 'deduplicated', r.actor, r."traceId"
              FROM repeats r
          )
          SELECT array_agg(r.ord), array_agg(r.id), array_agg('deduplicated'::text), array_agg(false), array_agg(r.incident),
                 array_agg(r.incident_status), array_agg(r.occurrences), array_agg(r.incident_workflow),
                 array_agg(NULL::bigint), array_agg(NULL::jsonb),
                 -- In alert order: audit_append_batch keeps the given order within a chain.
                 array_agg(audit_fill(r.audit, ARRAY['incident:' || r.incident::text, 'deduplicated', r.incident::text, r.incident_workflow]) ORDER BY r.ord)
            INTO r_ord, r_alert, r_outcome, r_replayed, r_incident, r_status, r_count, r_workflow, r_outbox, r_payload, v_contents
            FROM repeats r;
        END IF;

        -- Everything else, alert by alert in the order given: claim its Idempotency-Key (a replay
        -- returns the first answer), open / count / resolve its incident, store it, queue the
        -- workflow command its outcome implies.
        FOREACH a IN ARRAY v_alerts LOOP
          CONTINUE WHEN a.fingerprint = ANY (v_repeated);
          v_alert_id := a.id;
          v_replayed := false;
          v_command := NULL;
          v_payload := NULL;
          v_outbox_id := NULL;
          inc := NULL;

          IF a."idempotencyKey" IS NOT NULL THEN
            INSERT INTO alerts (id, incident_id, fingerprint, idempotency_key, idempotency_request_hash, status, severity,
                                labels, annotations, starts_at, ends_at, source, outcome, actor, trace_id)
            VALUES (a.id, NULL, a.fingerprint, a."idempotencyKey", a."idempotencyRequestHash", a.status, a.severity,
                    a.labels, a.annotations, a."startsAt", a."endsAt", a.source, 'pending', a.actor, a."traceId")
            ON CONFLICT (idempotency_key) DO NOTHING;
            IF NOT FOUND THEN
              -- Used before (or by a concurrent request, whose commit this insert waited for).
              SELECT al.id, al.outcome, al.incident_id, al.idempotency_request_hash INTO v_alert_id, v_outcome, v_incident_id, v_request_hash
                FROM alerts al WHERE al.idempotency_key = a."idempotencyKey";
              -- Keys stored before 1764000000005 have no request hash and replay as before.
              IF v_request_hash IS DISTINCT FROM a."idempotencyRequestHash" AND v_request_hash IS NOT NULL THEN
                RAISE EXCEPTION 'Idempotency-Key already used for a different request' USING ERRCODE = 'VG422';
              END IF;
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
              v_command := CASE WHEN FOUND THEN a.commands->'resolved' END;
            ELSE
              UPDATE incidents SET occurrence_count = occurrence_count + 1, last_seen_at = now(), updated_at = now()
                WHERE fingerprint = a.fingerprint AND status <> 'resolved'
                RETURNING * INTO inc;
              IF NOT FOUND THEN
                -- Converges with a concurrent first alert through incidents_one_open_per_fingerprint.
                INSERT INTO incidents (id, fingerprint, status, severity, service, alertname, title, labels, occurrence_count,
                                       first_seen_at, last_seen_at, workflow_id, trace_id, created_at, updated_at)
                VALUES (a."newIncidentId", a.fingerprint, 'triggered', a.severity, a.service, a.alertname, a.title, a.labels, 1,
                        now(), now(), a."workflowId", a."traceId", now(), now())
                ON CONFLICT (fingerprint) WHERE status <> 'resolved'
                DO UPDATE SET occurrence_count = incidents.occurrence_count + 1, last_seen_at = now(), updated_at = now()
                RETURNING * INTO inc;
              END IF;
              IF inc.id = a."newIncidentId" THEN
                v_outcome := 'created';
                v_command := a.commands->'created';
              ELSE
                v_outcome := 'deduplicated';
                IF inc.severity <> a.severity THEN
                  UPDATE incidents SET severity = a.severity, updated_at = now() WHERE id = inc.id RETURNING * INTO inc;
                  v_command := a.commands->'severity';
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

            IF v_command IS NOT NULL THEN
              -- The workflow input: contracts' incidentWorkflowInput(incident).
              v_payload := jsonb_build_object(
                'input', jsonb_build_object('incidentId', inc.id, 'fingerprint', inc.fingerprint, 'title', inc.title,
                                            'service', inc.service, 'alertname', inc.alertname, 'severity', inc.severity),
                'command', v_command);
              -- Leased to the committing process, which dispatches it at once; a poller takes it over if that process dies.
              INSERT INTO workflow_outbox (incident_id, workflow_id, payload, traceparent, tracestate, next_attempt_at)
              VALUES (inc.id, inc.workflow_id, v_payload, a.traceparent, a.tracestate,
                      now() + make_interval(secs => p_lease_ms / 1000))
              RETURNING id INTO v_outbox_id;
            END IF;

            -- Chain ids as in libs/audit chain-ids.ts.
            v_chain := CASE WHEN inc.id IS NULL THEN 'alerts:' || a.fingerprint ELSE 'incident:' || inc.id::text END;
            v_contents := v_contents || audit_fill(a.audit, ARRAY[v_chain, v_outcome, inc.id::text, inc.workflow_id]);
          END IF;

          r_ord := r_ord || a.ord;
          r_alert := r_alert || v_alert_id;
          r_outcome := r_outcome || v_outcome;
          r_replayed := r_replayed || v_replayed;
          r_incident := r_incident || inc.id;
          r_status := r_status || inc.status;
          r_count := r_count || inc.occurrence_count;
          r_workflow := r_workflow || inc.workflow_id;
          r_outbox := r_outbox || v_outbox_id;
          r_payload := r_payload || v_payload;
        END LOOP;

        PERFORM audit_append_batch(v_contents);
        RETURN QUERY SELECT * FROM unnest(r_ord, r_alert, r_outcome, r_replayed, r_incident, r_status, r_count, r_workflow, r_outbox, r_payload);
      END $$`;

/**
 * Idempotency-Keys that cannot answer for someone else's request.
 *
 * - The API now stores a key scoped to the API key that sent it (and, in a batch, the alert's
 *   place), so two senders choosing the same key no longer meet.
 * - With it, the hash of the request's alerts. The same key again with a different request is
 *   refused (SQLSTATE VG422, answered 422) instead of replaying the first answer as if it were
 *   this request's; the whole intake batch is then retried request by request, so the refusal
 *   stays with the one request.
 *
 * `intake_accept` is 1764000000003's with the hash stored and compared.
 */
export class IdempotencyRequestHash1764000000005 implements MigrationInterface {
  name = 'IdempotencyRequestHash1764000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alerts ADD COLUMN idempotency_request_hash text`);
    await q.query(`ALTER TYPE intake_alert ADD ATTRIBUTE "idempotencyRequestHash" text`);
    await q.query(INTAKE_ACCEPT_WITH_REQUEST_HASH);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(SET_BASED_INTAKE_ACCEPT);
    await q.query(`ALTER TYPE intake_alert DROP ATTRIBUTE "idempotencyRequestHash"`);
    await q.query(`ALTER TABLE alerts DROP COLUMN idempotency_request_hash`);
  }
}
