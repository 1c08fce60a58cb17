import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Intake in one statement. `intake_accept` applies a whole batch of alerts (the requests that
 * arrived together) to incidents, appends their audit events and queues their workflow commands,
 * as one atomic statement: one round trip, no BEGIN/COMMIT. Round trips, not rows, were what
 * intake paid for.
 *
 * What only the database knows (the incident an alert joins, the outcome) goes into the audit
 * event through `audit_fill`: the API sends each event's canonical text cut at those values
 * (libs/audit `eventContentTemplate`), and the hash covers the filled text, exactly as
 * `audit_append` would hash an event built whole.
 */
export class GroupCommitIntake1764000000002 implements MigrationInterface {
  name = 'GroupCommitIntake1764000000002';

  async up(q: QueryRunner): Promise<void> {
    // parts[1] || v[1] || parts[2] || … || parts[n+1], each value as a JSON string (or null).
    await q.query(`CREATE FUNCTION audit_fill(p_parts text[], p_values text[]) RETURNS text
      LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
      DECLARE
        v_text text := p_parts[1];
      BEGIN
        IF cardinality(p_parts) <> cardinality(p_values) + 1 THEN
          RAISE EXCEPTION 'audit_fill: % parts for % values', cardinality(p_parts), cardinality(p_values);
        END IF;
        FOR i IN 1 .. cardinality(p_values) LOOP
          v_text := v_text || coalesce(to_json(p_values[i])::text, 'null') || p_parts[i + 1];
        END LOOP;
        RETURN v_text;
      END $$`);

    // Per alert, in the order given (the API sorts by fingerprint, so concurrent batches lock
    // incident rows in one order): claim its Idempotency-Key (a replay returns the first answer),
    // open / count / resolve its incident, store it, queue the workflow command its outcome implies.
    // Then the audit events, by chain (so chain heads, too, are locked in one order).
    // Runs as the caller, vigil_app; audit_append is the SECURITY DEFINER step.
    //
    // Each alert: {ord, id, fingerprint, idempotencyKey, status, severity, service, alertname, title,
    // labels, annotations, startsAt, endsAt, source, actor, traceId, newIncidentId, workflowId,
    // traceparent, tracestate, audit: text[] (template cut at chainId, outcome, incidentId, workflowId),
    // commands: {created?, severity?, resolved?} (the workflow command for each outcome)}.
    await q.query(`CREATE FUNCTION intake_accept(p_alerts jsonb, p_lease_ms double precision)
      RETURNS TABLE (ord int, alert_id uuid, outcome text, replayed boolean, incident_id uuid, incident_status text,
                     occurrence_count int, workflow_id text, outbox_id bigint, outbox_payload jsonb)
      LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
      #variable_conflict use_column
      DECLARE
        a record;
        inc incidents%ROWTYPE;
        v_outcome text;
        v_alert_id uuid;
        v_incident_id uuid;
        v_replayed boolean;
        v_old_severity text;
        v_command jsonb;
        v_payload jsonb;
        v_outbox_id bigint;
        v_chain text;
        v_chains text[] := '{}';
        v_contents text[] := '{}';
        v_event record;
      BEGIN
        FOR a IN
          SELECT * FROM jsonb_to_recordset(p_alerts) AS x(
            ord int, id uuid, fingerprint text, "idempotencyKey" text, status text, severity text, service text,
            alertname text, title text, labels jsonb, annotations jsonb, "startsAt" timestamptz, "endsAt" timestamptz,
            source text, actor text, "traceId" text, "newIncidentId" uuid, "workflowId" text,
            traceparent text, tracestate text, audit text[], commands jsonb)
          ORDER BY x.ord
        LOOP
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
              -- Repeats (the common case) take the cheap path: lock the open incident, count one more.
              SELECT * INTO inc FROM incidents i WHERE i.fingerprint = a.fingerprint AND i.status <> 'resolved' FOR UPDATE;
              IF NOT FOUND THEN
                -- Converges with a concurrent first alert through incidents_one_open_per_fingerprint.
                INSERT INTO incidents (id, fingerprint, status, severity, service, alertname, title, labels, occurrence_count,
                                       first_seen_at, last_seen_at, workflow_id, trace_id, created_at, updated_at)
                VALUES (a."newIncidentId", a.fingerprint, 'triggered', a.severity, a.service, a.alertname, a.title, a.labels, 1,
                        now(), now(), a."workflowId", a."traceId", now(), now())
                ON CONFLICT (fingerprint) WHERE status <> 'resolved'
                DO UPDATE SET occurrence_count = incidents.occurrence_count + 1, last_seen_at = now(), updated_at = now()
                RETURNING * INTO inc;
              ELSE
                UPDATE incidents SET occurrence_count = occurrence_count + 1, last_seen_at = now(), updated_at = now()
                  WHERE id = inc.id RETURNING * INTO inc;
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
            v_chains := v_chains || v_chain;
            v_contents := v_contents || audit_fill(a.audit, ARRAY[v_chain, v_outcome, inc.id::text, inc.workflow_id]);
          END IF;

          ord := a.ord;
          alert_id := v_alert_id;
          outcome := v_outcome;
          replayed := v_replayed;
          incident_id := inc.id;
          incident_status := inc.status;
          occurrence_count := inc.occurrence_count;
          workflow_id := inc.workflow_id;
          outbox_id := v_outbox_id;
          outbox_payload := v_payload;
          RETURN NEXT;
        END LOOP;

        FOR v_event IN
          SELECT e.content FROM unnest(v_chains, v_contents) WITH ORDINALITY AS e(chain_id, content, n)
          ORDER BY e.chain_id COLLATE "C", e.n
        LOOP
          PERFORM audit_append(v_event.content);
        END LOOP;
      END $$`);

    await q.query(`REVOKE ALL ON FUNCTION intake_accept(jsonb, double precision), audit_fill(text[], text[]) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION intake_accept(jsonb, double precision), audit_fill(text[], text[]) TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION intake_accept(jsonb, double precision)`);
    await q.query(`DROP FUNCTION audit_fill(text[], text[])`);
  }
}
