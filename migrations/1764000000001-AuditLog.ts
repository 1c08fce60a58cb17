import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tamper-evident audit log (libs/audit): hash-chained events, one chain per incident,
 * a head row per chain and hash-chained checkpoints that pin every head.
 *
 * The hash formats here must stay byte-identical to libs/audit/src/hashing.ts:
 *   event      sha256(prev_hash "\n" seq "\n" canonical_content)
 *   checkpoint sha256(prev_hash "\n" seq "\n" created_at "\n" chains "\n" entries_digest)
 *   digest     sha256(concat of chain_id "\t" seq "\t" hash "\n", ordered by chain_id bytewise)
 */
export class AuditLog1764000000001 implements MigrationInterface {
  name = 'AuditLog1764000000001';

  async up(q: QueryRunner): Promise<void> {
    // COLLATE "C": bytewise order, the same as the verifier's and the checkpoint digest's.
    await q.query(`CREATE TABLE audit_events (
      chain_id text COLLATE "C" NOT NULL,
      seq bigint NOT NULL CHECK (seq > 0),
      id uuid NOT NULL,
      occurred_at timestamptz NOT NULL,
      type text NOT NULL,
      actor text NOT NULL,
      incident_id uuid,
      trace_id text,
      span_id text,
      workflow_id text,
      run_id text,
      data jsonb NOT NULL,
      idempotency_key text UNIQUE,
      prev_hash text NOT NULL,
      hash text NOT NULL,
      PRIMARY KEY (chain_id, seq)
    )`);

    // Updated on every append: room on the page keeps those updates HOT (no index writes).
    await q.query(`CREATE TABLE audit_chain_heads (
      chain_id text COLLATE "C" PRIMARY KEY,
      seq bigint NOT NULL CHECK (seq >= 0),
      hash text NOT NULL
    ) WITH (fillfactor = 70)`);

    await q.query(`CREATE TABLE audit_checkpoints (
      seq bigint PRIMARY KEY CHECK (seq > 0),
      created_at timestamptz NOT NULL,
      chains bigint NOT NULL,
      entries_digest text NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL
    )`);

    // One row per chain whose head moved since the previous checkpoint; the union pins every chain.
    await q.query(`CREATE TABLE audit_checkpoint_heads (
      checkpoint_seq bigint NOT NULL,
      chain_id text COLLATE "C" NOT NULL,
      seq bigint NOT NULL CHECK (seq > 0),
      hash text NOT NULL,
      PRIMARY KEY (checkpoint_seq, chain_id)
    )`);
    await q.query(`CREATE INDEX audit_checkpoint_heads_by_chain ON audit_checkpoint_heads (chain_id, seq)`);

    await q.query(`CREATE FUNCTION audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'raise_exception', HINT = 'audit rows are never changed; append a new event instead';
      END $$`);
    for (const table of ['audit_events', 'audit_checkpoints', 'audit_checkpoint_heads']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()`);
    }

    // Heads are the one mutable table: they may only move forward by one event at a time.
    await q.query(`CREATE FUNCTION audit_guard_head() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.chain_id = OLD.chain_id AND NEW.seq = OLD.seq + 1 THEN RETURN NEW; END IF;
        RAISE EXCEPTION 'audit chain head % may only advance by one (seq % -> %)', OLD.chain_id, OLD.seq, NEW.seq
          USING ERRCODE = 'raise_exception';
      END $$`);
    await q.query(`CREATE TRIGGER audit_chain_heads_forward_only BEFORE UPDATE ON audit_chain_heads
      FOR EACH ROW EXECUTE FUNCTION audit_guard_head()`);
    await q.query(`CREATE TRIGGER audit_chain_heads_no_delete BEFORE DELETE OR TRUNCATE ON audit_chain_heads
      FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()`);

    // One round trip per append: idempotency lookup, head lock, insert, head update. The columns
    // are read from the very text that is hashed, so row and hash cannot disagree. SECURITY
    // DEFINER so that vigil_app needs no UPDATE right on the heads.
    await q.query(`CREATE FUNCTION audit_append(p_content text) RETURNS audit_events
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
      DECLARE
        v jsonb := p_content::jsonb;
        v_chain text := v->>'chainId';
        v_key text := v->>'idempotencyKey';
        v_head audit_chain_heads%ROWTYPE;
        v_row audit_events%ROWTYPE;
      BEGIN
        IF v_key IS NOT NULL THEN
          SELECT * INTO v_row FROM audit_events WHERE idempotency_key = v_key;
          IF FOUND THEN RETURN v_row; END IF;
        END IF;

        SELECT * INTO v_head FROM audit_chain_heads WHERE chain_id = v_chain FOR UPDATE;
        IF NOT FOUND THEN
          INSERT INTO audit_chain_heads (chain_id, seq, hash) VALUES (v_chain, 0, repeat('0', 64))
            ON CONFLICT (chain_id) DO NOTHING;
          SELECT * INTO v_head FROM audit_chain_heads WHERE chain_id = v_chain FOR UPDATE;
        END IF;

        INSERT INTO audit_events (chain_id, seq, id, occurred_at, type, actor, incident_id, trace_id, span_id,
                                  workflow_id, run_id, data, idempotency_key, prev_hash, hash)
        VALUES (v_chain, v_head.seq + 1, (v->>'id')::uuid, (v->>'occurredAt')::timestamptz, v->>'type', v->>'actor',
                (v->>'incidentId')::uuid, v->>'traceId', v->>'spanId', v->>'workflowId', v->>'runId', v->'data', v_key,
                v_head.hash,
                encode(sha256(convert_to(v_head.hash || E'\\n' || (v_head.seq + 1)::text || E'\\n' || p_content, 'UTF8')), 'hex'))
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING * INTO v_row;

        IF NOT FOUND THEN
          -- A concurrent append with the same key (on another chain) committed first.
          SELECT * INTO v_row FROM audit_events WHERE idempotency_key = v_key;
          RETURN v_row;
        END IF;

        UPDATE audit_chain_heads SET seq = v_row.seq, hash = v_row.hash WHERE chain_id = v_chain;
        RETURN v_row;
      END $$`);

    // Pins every head that moved since the last checkpoint; the advisory lock serialises checkpoints.
    await q.query(`CREATE FUNCTION audit_checkpoint() RETURNS audit_checkpoints
      LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
      DECLARE
        v_prev_hash text := repeat('0', 64);
        v_seq bigint := 1;
        v_created timestamptz := date_trunc('milliseconds', clock_timestamp());
        v_chains bigint;
        v_digest text;
        v_row audit_checkpoints%ROWTYPE;
      BEGIN
        PERFORM pg_advisory_xact_lock(7413300001);
        SELECT seq + 1, hash INTO v_seq, v_prev_hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1;
        IF NOT FOUND THEN v_seq := 1; v_prev_hash := repeat('0', 64); END IF;

        INSERT INTO audit_checkpoint_heads (checkpoint_seq, chain_id, seq, hash)
        SELECT v_seq, h.chain_id, h.seq, h.hash FROM audit_chain_heads h
        WHERE h.seq > 0
          AND NOT EXISTS (SELECT 1 FROM audit_checkpoint_heads p WHERE p.chain_id = h.chain_id AND p.seq >= h.seq);

        SELECT count(*),
               encode(sha256(convert_to(coalesce(string_agg(chain_id || E'\\t' || seq::text || E'\\t' || hash || E'\\n', '' ORDER BY chain_id), ''), 'UTF8')), 'hex')
          INTO v_chains, v_digest
          FROM audit_checkpoint_heads WHERE checkpoint_seq = v_seq;

        INSERT INTO audit_checkpoints (seq, created_at, chains, entries_digest, prev_hash, hash)
        VALUES (v_seq, v_created, v_chains, v_digest, v_prev_hash,
                encode(sha256(convert_to(v_prev_hash || E'\\n' || v_seq::text || E'\\n'
                  || to_char(v_created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || E'\\n'
                  || v_chains::text || E'\\n' || v_digest, 'UTF8')), 'hex'))
        RETURNING * INTO v_row;
        RETURN v_row;
      END $$`);

    await q.query(`REVOKE ALL ON FUNCTION audit_append(text), audit_checkpoint() FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION audit_append(text), audit_checkpoint() TO vigil_app`);
    await q.query(`GRANT SELECT, INSERT ON audit_events, audit_checkpoints, audit_checkpoint_heads TO vigil_app`);
    await q.query(`GRANT SELECT ON audit_chain_heads TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION audit_checkpoint()`);
    await q.query(`DROP FUNCTION audit_append(text)`);
    await q.query(`DROP TABLE audit_checkpoint_heads`);
    await q.query(`DROP TABLE audit_checkpoints`);
    await q.query(`DROP TABLE audit_chain_heads`);
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_guard_head()`);
    await q.query(`DROP FUNCTION audit_reject_change()`);
  }
}
