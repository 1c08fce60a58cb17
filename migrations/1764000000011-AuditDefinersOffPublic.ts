import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log's two SECURITY DEFINER functions no longer search `public`.
 *
 * They run with the owner's rights and searched `pg_catalog, public`. Where other roles may create
 * objects in `public` (every role may on PostgreSQL 14 and on clusters upgraded from it), one could
 * add, say, `public.convert_to(text, text)`: it matches the untyped `'UTF8'` better than the
 * built-in `convert_to(text, name)`, so the next append would run it as the owner, who can turn the
 * append-only triggers off. Now they search `pg_catalog` only (then `pg_temp`, which PostgreSQL
 * never searches for functions or operators) and name their tables with `public.`.
 *
 * The bodies are 1764000000001's `audit_append` and 1764000000003's `audit_append_batch` with the
 * tables qualified; nothing else changed, so every hash is as before.
 */
export class AuditDefinersOffPublic1764000000011 implements MigrationInterface {
  name = 'AuditDefinersOffPublic1764000000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE FUNCTION audit_append(p_content text) RETURNS public.audit_events
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      DECLARE
        v jsonb := p_content::jsonb;
        v_chain text := v->>'chainId';
        v_key text := v->>'idempotencyKey';
        v_head public.audit_chain_heads%ROWTYPE;
        v_row public.audit_events%ROWTYPE;
      BEGIN
        IF v_key IS NOT NULL THEN
          SELECT * INTO v_row FROM public.audit_events WHERE idempotency_key = v_key;
          IF FOUND THEN RETURN v_row; END IF;
        END IF;

        SELECT * INTO v_head FROM public.audit_chain_heads WHERE chain_id = v_chain FOR UPDATE;
        IF NOT FOUND THEN
          INSERT INTO public.audit_chain_heads (chain_id, seq, hash) VALUES (v_chain, 0, repeat('0', 64))
            ON CONFLICT (chain_id) DO NOTHING;
          SELECT * INTO v_head FROM public.audit_chain_heads WHERE chain_id = v_chain FOR UPDATE;
        END IF;

        INSERT INTO public.audit_events (chain_id, seq, id, occurred_at, type, actor, incident_id, trace_id, span_id,
                                         workflow_id, run_id, data, idempotency_key, prev_hash, hash)
        VALUES (v_chain, v_head.seq + 1, (v->>'id')::uuid, (v->>'occurredAt')::timestamptz, v->>'type', v->>'actor',
                (v->>'incidentId')::uuid, v->>'traceId', v->>'spanId', v->>'workflowId', v->>'runId', v->'data', v_key,
                v_head.hash,
                encode(sha256(convert_to(v_head.hash || E'\\n' || (v_head.seq + 1)::text || E'\\n' || p_content, 'UTF8')), 'hex'))
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING * INTO v_row;

        IF NOT FOUND THEN
          -- A concurrent append with the same key (on another chain) committed first.
          SELECT * INTO v_row FROM public.audit_events WHERE idempotency_key = v_key;
          RETURN v_row;
        END IF;

        UPDATE public.audit_chain_heads SET seq = v_row.seq, hash = v_row.hash WHERE chain_id = v_chain;
        RETURN v_row;
      END $$`);

    await q.query(`CREATE OR REPLACE FUNCTION audit_append_batch(p_contents text[]) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      DECLARE
        v_events jsonb[];
        v_texts text[];
        v_chains text[];
        v_heads public.audit_chain_heads[];
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

        INSERT INTO public.audit_chain_heads (chain_id, seq, hash)
          SELECT DISTINCT c, 0, repeat('0', 64) FROM unnest(v_chains) AS c ORDER BY 1
          ON CONFLICT (chain_id) DO NOTHING;
        SELECT array_agg(l ORDER BY l.chain_id) INTO v_heads
          FROM (SELECT * FROM public.audit_chain_heads WHERE chain_id = ANY (v_chains) ORDER BY chain_id FOR UPDATE) l;

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

        INSERT INTO public.audit_events (chain_id, seq, id, occurred_at, type, actor, incident_id, trace_id, span_id,
                                         workflow_id, run_id, data, idempotency_key, prev_hash, hash)
          SELECT e.chain_id, e.seq, (e.v->>'id')::uuid, (e.v->>'occurredAt')::timestamptz, e.v->>'type', e.v->>'actor',
                 (e.v->>'incidentId')::uuid, e.v->>'traceId', e.v->>'spanId', e.v->>'workflowId', e.v->>'runId', e.v->'data',
                 NULL, e.prev, e.hash
            FROM unnest(v_chains, v_events, v_seqs, v_prevs, v_hashes) AS e(chain_id, v, seq, prev, hash);

        UPDATE public.audit_chain_heads h SET seq = t.seq, hash = t.hash
          FROM (SELECT DISTINCT ON (u.chain_id) u.chain_id, u.seq, u.hash
                  FROM unnest(v_chains, v_seqs, v_hashes) AS u(chain_id, seq, hash) ORDER BY u.chain_id, u.seq DESC) t
         WHERE h.chain_id = t.chain_id;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The qualified bodies work under the earlier search path too.
    await q.query(`ALTER FUNCTION audit_append(text) SET search_path = pg_catalog, public, pg_temp`);
    await q.query(`ALTER FUNCTION audit_append_batch(text[]) SET search_path = pg_catalog, public, pg_temp`);
  }
}
