/** What a caller appends. Missing optional fields are stored (and hashed) as null; `data` as `{}`. */
export interface AuditEventInput {
  /** Which chain the event extends: see `chain-ids.ts`. */
  chainId: string;
  type: string;
  actor: string;
  incidentId?: string | null;
  traceId?: string | null;
  spanId?: string | null;
  workflowId?: string | null;
  runId?: string | null;
  /** A JSON object; non-finite numbers, NUL characters and lone surrogates are rejected. */
  data?: Record<string, unknown>;
  /** A second append with a key already stored is a no-op that returns the stored event. */
  idempotencyKey?: string | null;
  /** Defaults to now; stored at millisecond precision. */
  occurredAt?: Date | string;
}

/** One stored event, exactly as hashed. */
export interface AuditEventRecord {
  id: string;
  chainId: string;
  seq: number;
  /** ISO 8601, UTC, milliseconds. */
  occurredAt: string;
  type: string;
  actor: string;
  incidentId: string | null;
  traceId: string | null;
  spanId: string | null;
  workflowId: string | null;
  runId: string | null;
  data: Record<string, unknown>;
  idempotencyKey: string | null;
  prevHash: string;
  hash: string;
}

/** The shape the API returns for an incident's timeline. */
export interface AuditTimelineEntry {
  id: string;
  seq: number;
  occurredAt: string;
  type: string;
  actor: string;
  traceId: string | null;
  spanId: string | null;
  workflowId: string | null;
  runId: string | null;
  data: Record<string, unknown>;
  hash: string;
}

export interface AuditTimelineOptions {
  /** At most this many events. */
  limit: number;
  /** Only events after this seq (0: from the first): pass the last seq of the previous page. */
  afterSeq: number;
}

export const AUDIT_BREAK_REASONS = ['hash_mismatch', 'link_broken', 'seq_gap', 'missing_tail', 'head_mismatch', 'missing_chain', 'checkpoint_mismatch'] as const;

export type AuditBreakReason = (typeof AUDIT_BREAK_REASONS)[number];

export interface AuditBreak {
  /** The broken chain; `CHECKPOINT_CHAIN_ID` when the checkpoint chain itself is broken. */
  chainId: string;
  /** The event (or checkpoint) seq where the chain stops being trustworthy. */
  seq: number;
  eventId?: string;
  reason: AuditBreakReason;
  detail: string;
}

export interface AuditVerifyReport {
  ok: boolean;
  /** Chains and events read from the events table. */
  chains: number;
  events: number;
  checkpoints: number;
  checkedAt: string;
  firstBroken?: AuditBreak;
}

export interface AuditCheckpoint {
  seq: number;
  createdAt: string;
  /** Chains whose head this checkpoint pins (those that moved since the previous one). */
  chains: number;
  entriesDigest: string;
  prevHash: string;
  hash: string;
}
