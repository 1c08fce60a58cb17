import { randomUUID } from 'crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { CHECKPOINT_COLUMNS, EVENT_COLUMNS, toCheckpoint, toEventRecord, toTimelineEntry, type CheckpointRow, type EventRow } from './audit-rows';
import type {
  AuditCheckpoint,
  AuditEventInput,
  AuditEventRecord,
  AuditTimelineEntry,
  AuditTimelineOptions,
  AuditVerifyReport,
} from './audit.types';
import { verifyAuditLog } from './audit-verifier';
import { incidentChainId } from './chain-ids';
import { buildEventContent, eventContentTemplate, eventContentText, type ContentHole } from './event-content';

export interface AuditLogOptions {
  /** Rows per cursor fetch during `verify` (default 1000). */
  verifyBatchSize?: number;
}

const APPEND_SQL = `SELECT ${EVENT_COLUMNS} FROM audit_append($1) AS e`;
const TIMELINE_SQL = `SELECT ${EVENT_COLUMNS} FROM audit_events e WHERE e.chain_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3`;
const CHECKPOINT_SQL = `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint() AS c`;

/**
 * The append-only, hash-chained audit log. A plain class: Nest providers and Temporal
 * activities construct it with their DataSource.
 */
export class AuditLog {
  private readonly verifyBatchSize: number;
  private verifying?: Promise<AuditVerifyReport>;

  constructor(
    private readonly dataSource: DataSource,
    options: AuditLogOptions = {},
  ) {
    this.verifyBatchSize = options.verifyBatchSize ?? 1000;
  }

  /**
   * Appends one event to its chain in a single statement (one round trip). With `manager` it
   * joins the caller's transaction, and holds the chain's head row lock until that commits;
   * without, the statement is its own transaction. An event whose idempotency key is already
   * stored is not appended again: the stored event is returned.
   */
  async append(event: AuditEventInput, manager?: EntityManager): Promise<AuditEventRecord> {
    const content = eventContentText(buildEventContent(event, randomUUID(), new Date()));
    const rows = (await (manager ?? this.dataSource).query(APPEND_SQL, [content])) as EventRow[];
    return toEventRecord(rows[0]);
  }

  /**
   * An event's canonical text cut at values the database fills in (see `eventContentTemplate`),
   * for SQL that appends events whose incident only it knows (intake_accept).
   */
  contentTemplate(event: AuditEventInput, holes: readonly ContentHole[]): string[] {
    return eventContentTemplate(event, holes, randomUUID(), new Date());
  }

  /** An incident's events in chain order; page with `afterSeq` = the last seq seen. */
  async timeline(incidentId: string, { limit, afterSeq }: AuditTimelineOptions): Promise<AuditTimelineEntry[]> {
    const rows = (await this.dataSource.query(TIMELINE_SQL, [incidentChainId(incidentId), afterSeq, limit])) as EventRow[];
    return rows.map((r) => toTimelineEntry(toEventRecord(r)));
  }

  /**
   * Re-computes every chain, head and checkpoint; names the first broken link. One run at a time
   * per process: it reads the whole log, so callers asking while one runs share its report (its
   * `checkedAt` says when it began) rather than each taking a connection and a core from intake.
   */
  verify(): Promise<AuditVerifyReport> {
    this.verifying ??= verifyAuditLog(this.dataSource, this.verifyBatchSize, new Date()).finally(() => (this.verifying = undefined));
    return this.verifying;
  }

  /**
   * Pins every chain head that moved since the previous checkpoint, chained to that
   * checkpoint. The caller schedules it; publishing the returned hash outside the database
   * also makes dropping the newest checkpoints detectable.
   */
  async checkpoint(): Promise<AuditCheckpoint> {
    const rows = (await this.dataSource.query(CHECKPOINT_SQL)) as CheckpointRow[];
    return toCheckpoint(rows[0]);
  }
}
