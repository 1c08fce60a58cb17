import type { AuditCheckpoint, AuditEventRecord, AuditTimelineEntry } from './audit.types';

// Timestamps are read as text: node-postgres would parse them through floating point, and
// the session time zone must not matter. Read to the microsecond, so that a value edited below
// the millisecond no longer matches the hashed millisecond form.
const ISO_MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export const EVENT_COLUMNS = `e.id, e.chain_id, e.seq, to_char(e.occurred_at AT TIME ZONE 'UTC', ${ISO_MICROS}) AS occurred_at,
  e.type, e.actor, e.incident_id, e.trace_id, e.span_id, e.workflow_id, e.run_id, e.data, e.idempotency_key, e.prev_hash, e.hash`;

export const CHECKPOINT_COLUMNS = `c.seq, to_char(c.created_at AT TIME ZONE 'UTC', ${ISO_MICROS}) AS created_at,
  c.chains, c.entries_digest, c.prev_hash, c.hash`;

export interface EventRow {
  id: string;
  chain_id: string;
  /** bigint arrives as a string. */
  seq: string;
  occurred_at: string;
  type: string;
  actor: string;
  incident_id: string | null;
  trace_id: string | null;
  span_id: string | null;
  workflow_id: string | null;
  run_id: string | null;
  data: Record<string, unknown>;
  idempotency_key: string | null;
  prev_hash: string;
  hash: string;
}

export interface CheckpointRow {
  seq: string;
  created_at: string;
  chains: string;
  entries_digest: string;
  prev_hash: string;
  hash: string;
}

export function toEventRecord(r: EventRow): AuditEventRecord {
  return {
    id: r.id,
    chainId: r.chain_id,
    seq: Number(r.seq),
    occurredAt: millisIfExact(r.occurred_at),
    type: r.type,
    actor: r.actor,
    incidentId: r.incident_id,
    traceId: r.trace_id,
    spanId: r.span_id,
    workflowId: r.workflow_id,
    runId: r.run_id,
    data: r.data,
    idempotencyKey: r.idempotency_key,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export function toTimelineEntry(r: AuditEventRecord): AuditTimelineEntry {
  return {
    id: r.id,
    seq: r.seq,
    occurredAt: r.occurredAt,
    type: r.type,
    actor: r.actor,
    traceId: r.traceId,
    spanId: r.spanId,
    workflowId: r.workflowId,
    runId: r.runId,
    data: r.data,
    hash: r.hash,
  };
}

export function toCheckpoint(r: CheckpointRow): AuditCheckpoint {
  return {
    seq: Number(r.seq),
    createdAt: millisIfExact(r.created_at),
    chains: Number(r.chains),
    entriesDigest: r.entries_digest,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** `…SS.123000Z` → `…SS.123Z`; a timestamp with microseconds stays as it is (and fails its hash). */
export function millisIfExact(isoMicros: string): string {
  return isoMicros.endsWith('000Z') ? `${isoMicros.slice(0, -4)}Z` : isoMicros;
}
