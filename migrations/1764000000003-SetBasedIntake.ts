import type { MigrationInterface, QueryRunner } from 'typeorm';
import { GroupCommitIntake1764000000002 } from './1764000000002-GroupCommitIntake';

/**
 * Intake by sets, not by rows. Measured inside PostgreSQL, a batch of repeats spent most of its
 * time starting statements rather than writing rows: every INSERT or UPDATE that a plpgsql loop
 * runs starts an executor and parses the table's CHECK constraints again. Now:
 *
 * - `intake_accept` first locks every open incident the batch touches, in fingerprint order. The
 *   plain repeats of an incident are counted in one UPDATE and stored in one INSERT: firing, no
 *   Idempotency-Key, the incident's severity, and no other kind of alert for that fingerprint in
 *   the batch. Every other alert goes through the per-alert path of 1764000000002, in order.
 * - `audit_append_batch` appends a batch's audit events chain by chain. It parses each event
 *   once, locks each chain head once (in chain order) and moves it once.
 *
 * A head may now move forward by several events at once, no longer only by one; it still never
 * moves back or sideways. A head moved past the last event is what `/audit/verify` reports as
 * events missing at the end. The hash formats are unchanged (libs/audit hashing.ts).
 */
/** This migration's `intake_accept`, which 1764000000005 replaces (and restores on the way down). */
export const SET_BASED_INTAKE_ACCEPT = `CREATE OR REPLACE FUNCTION intake_accept(p_alerts jsonb, p_lease_ms double precision)
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
            INSERT INTO alerts (id, incident_id, fingerprint, idempotency_key, status, severity, labels, annotations,
                                starts_at, ends_at, source, outcome, actor, trace_id)
            VALUES (a.id, NULL, a.fingerprint, a."idempotencyKey", a.status, a.severity, a.labels, a.annotations,
                    a."startsAt", a."endsAt", a.source, 'pending', a.actor, a."traceId")
            ON CONFLICT (idempotency_key) DO NOTHING;
            IF NOT FOUND THEN
              -- Used before (or by a concurrent request, whose commit this insert waited for).
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

export class SetBasedIntake1764000000003 implements MigrationInterface {
  name = 'SetBasedIntake1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE FUNCTION audit_guard_head() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.chain_id = OLD.chain_id AND NEW.seq > OLD.seq THEN RETURN NEW; END IF;
        RAISE EXCEPTION 'audit chain head % may only advance (seq % -> %)', OLD.chain_id, OLD.seq, NEW.seq
          USING ERRCODE = 'raise_exception';
      END $$`);

    // Events without an idempotency key (those go through audit_append), in the order given
    // within each chain. Hashes as audit_append: sha256(prev_hash "\n" seq "\n" content).
    await q.query(`CREATE FUNCTION audit_append_batch(p_contents text[]) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
      DECLARE
        v_events jsonb[];
        v_texts text[];
        v_chains text[];
        v_heads audit_chain_heads[];
        v_seqs bigint[] := '{}';
        v_prevs text[] := '{}';
        v_hashes text[] := '{}';
        v_chain text;
        v_seq bigint;
        v_hash text;
        h int := 0;
      BEGIN
        IF coalesce(cardinality(p_contents), 0) = 0 THEN RETURN; END IF;
        SELECT array_agg(e.v ORDER BY e.chain_id, e.n), array_agg(e.content ORDER BY e.chain_id, e.n), array_agg(e.chain_id ORDER BY e.chain_id, e.n)
          INTO v_events, v_texts, v_chains
          FROM (SELECT p.v, p.content, p.n, (p.v->>'chainId') COLLATE "C" AS chain_id
                  FROM (SELECT u.content::jsonb AS v, u.content, u.n FROM unnest(p_contents) WITH ORDINALITY AS u(content, n) OFFSET 0) p) e;
        IF EXISTS (SELECT 1 FROM unnest(v_events) AS v WHERE v->>'idempotencyKey' IS NOT NULL) THEN
          RAISE EXCEPTION 'audit_append_batch: an event with an idempotency key must go through audit_append';
        END IF;

        INSERT INTO audit_chain_heads (chain_id, seq, hash)
          SELECT DISTINCT c, 0, repeat('0', 64) FROM unnest(v_chains) AS c ORDER BY 1
          ON CONFLICT (chain_id) DO NOTHING;
        SELECT array_agg(l ORDER BY l.chain_id) INTO v_heads
          FROM (SELECT * FROM audit_chain_heads WHERE chain_id = ANY (v_chains) ORDER BY chain_id FOR UPDATE) l;

        FOR i IN 1 .. cardinality(v_texts) LOOP
          IF v_chains[i] IS DISTINCT FROM v_chain THEN
            h := h + 1;
            v_chain := v_chains[i];
            IF v_heads[h].chain_id IS DISTINCT FROM v_chain THEN
              RAISE EXCEPTION 'audit_append_batch: no head for chain %', v_chain;
            END IF;
            v_seq := v_heads[h].seq;
            v_hash := v_heads[h].hash;
          END IF;
          v_prevs[i] := v_hash;
          v_seq := v_seq + 1;
          v_hash := encode(sha256(convert_to(v_hash || E'\\n' || v_seq::text || E'\\n' || v_texts[i], 'UTF8')), 'hex');
          v_seqs[i] := v_seq;
          v_hashes[i] := v_hash;
        END LOOP;

        INSERT INTO audit_events (chain_id, seq, id, occurred_at, type, actor, incident_id, trace_id, span_id,
                                  workflow_id, run_id, data, idempotency_key, prev_hash, hash)
          SELECT e.chain_id, e.seq, (e.v->>'id')::uuid, (e.v->>'occurredAt')::timestamptz, e.v->>'type', e.v->>'actor',
                 (e.v->>'incidentId')::uuid, e.v->>'traceId', e.v->>'spanId', e.v->>'workflowId', e.v->>'runId', e.v->'data',
                 NULL, e.prev, e.hash
            FROM unnest(v_chains, v_events, v_seqs, v_prevs, v_hashes) AS e(chain_id, v, seq, prev, hash);

        UPDATE audit_chain_heads h SET seq = t.seq, hash = t.hash
          FROM (SELECT DISTINCT ON (u.chain_id) u.chain_id, u.seq, u.hash
                  FROM unnest(v_chains, v_seqs, v_hashes) AS u(chain_id, seq, hash) ORDER BY u.chain_id, u.seq DESC) t
         WHERE h.chain_id = t.chain_id;
      END $$`);

    // The input rows of intake_accept (see 1764000000002 for the fields).
    await q.query(`CREATE TYPE intake_alert AS (
      ord int, id uuid, fingerprint text, "idempotencyKey" text, status text, severity text, service text,
      alertname text, title text, labels jsonb, annotations jsonb, "startsAt" timestamptz, "endsAt" timestamptz,
      source text, actor text, "traceId" text, "newIncidentId" uuid, "workflowId" text,
      traceparent text, tracestate text, audit text[], commands jsonb)`);

    await q.query(SET_BASED_INTAKE_ACCEPT);

    await q.query(`REVOKE ALL ON FUNCTION audit_append_batch(text[]) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION audit_append_batch(text[]) TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    // 1764000000002's intake_accept (per alert, audit_append per event), restored with its own migration.
    const previous = new GroupCommitIntake1764000000002();
    await previous.down(q);
    await previous.up(q);
    await q.query(`DROP TYPE intake_alert`);
    await q.query(`DROP FUNCTION audit_append_batch(text[])`);
    await q.query(`CREATE OR REPLACE FUNCTION audit_guard_head() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.chain_id = OLD.chain_id AND NEW.seq = OLD.seq + 1 THEN RETURN NEW; END IF;
        RAISE EXCEPTION 'audit chain head % may only advance by one (seq % -> %)', OLD.chain_id, OLD.seq, NEW.seq
          USING ERRCODE = 'raise_exception';
      END $$`);
  }
}
