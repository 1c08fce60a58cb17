import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { OutboxPayload } from '../../../../libs/persistence';

export interface OutboxCommand {
  id: string;
  workflowId: string;
  payload: OutboxPayload;
  traceparent?: string | null;
  tracestate?: string | null;
  attempts: number;
}

/** Reads and settles rows of `workflow_outbox`. */
@Injectable()
export class OutboxStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Leases due rows so that concurrent API processes never take the same row at the same time.
   * Returned in outbox order (RETURNING keeps none), so one incident's commands go in commit order.
   */
  async claimDue(limit: number, leaseMs: number): Promise<OutboxCommand[]> {
    const [rows]: [OutboxCommand[], number] = await this.dataSource.query(
      `UPDATE workflow_outbox SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
       WHERE id IN (SELECT id FROM workflow_outbox WHERE dispatched_at IS NULL AND next_attempt_at <= now()
                    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, workflow_id AS "workflowId", payload, traceparent, tracestate, attempts`,
      [limit, leaseMs],
    );
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Whether a command committed before this one for the same workflow is still undelivered (here, in another API process, or awaiting a retry). */
  async hasEarlierUndelivered(command: OutboxCommand): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM workflow_outbox WHERE workflow_id = $1 AND id < $2 AND dispatched_at IS NULL LIMIT 1`, [
      command.workflowId,
      command.id,
    ]);
    return rows.length > 0;
  }

  /** Whether any command for the workflow is still undelivered: while its first is, the workflow has not been started. */
  async hasUndelivered(workflowId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM workflow_outbox WHERE workflow_id = $1 AND dispatched_at IS NULL LIMIT 1`, [workflowId]);
    return rows.length > 0;
  }

  /** Puts a command back for the poller to take after `delayMs`, as no attempt at all (unlike `scheduleRetry`). */
  async postpone(id: string, delayMs: number): Promise<void> {
    await this.dataSource.query(`UPDATE workflow_outbox SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000) WHERE id = $1 AND dispatched_at IS NULL`, [
      id,
      delayMs,
    ]);
  }

  /** Settles a delivered command, in the caller's transaction (the one that audits the delivery). */
  async markDispatched(id: string, note: string | null, manager: EntityManager): Promise<void> {
    await manager.query(`UPDATE workflow_outbox SET dispatched_at = now(), attempts = attempts + 1, last_error = $2 WHERE id = $1 AND dispatched_at IS NULL`, [
      id,
      note,
    ]);
  }

  /** Ends this process's lease on commands it will not send after all (it is stopping): any poller may take them at once. */
  async handBack(ids: string[]): Promise<void> {
    await this.dataSource.query(`UPDATE workflow_outbox SET next_attempt_at = now() WHERE id = ANY ($1::bigint[]) AND dispatched_at IS NULL`, [ids]);
  }

  async scheduleRetry(id: string, delayMs: number, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE workflow_outbox SET attempts = attempts + 1, last_error = $3,
              next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
       WHERE id = $1 AND dispatched_at IS NULL`,
      [id, delayMs, error.slice(0, 2000)],
    );
  }

  /**
   * Deletes up to `limit` commands delivered more than `retentionMs` ago; returns how many.
   * Rows another process is deleting at the same moment are skipped, not waited for.
   */
  async pruneDelivered(retentionMs: number, limit: number): Promise<number> {
    const [, deleted]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM workflow_outbox
       WHERE id IN (SELECT id FROM workflow_outbox WHERE dispatched_at < now() - make_interval(secs => $1::double precision / 1000)
                    ORDER BY dispatched_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [retentionMs, limit],
    );
    return deleted;
  }

  async backlog(): Promise<{ pending: number; oldestAgeSeconds: number }> {
    const rows: Array<{ pending: string; oldest: number | null }> = await this.dataSource.query(
      `SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
       FROM workflow_outbox WHERE dispatched_at IS NULL`,
    );
    return { pending: Number(rows[0].pending), oldestAgeSeconds: rows[0].oldest ?? 0 };
  }
}
