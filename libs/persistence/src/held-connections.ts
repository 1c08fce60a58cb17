import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { isDatabaseUnavailable } from './database-unavailable';
import { isSettled } from './unsettled-connections';

/** A statement that ran but did not commit: its connection had a transaction open. Rolled back, so safe to retry. */
export class UncommittedStatement extends Error {
  // SQLSTATE 08006 (connection failure): the connection is closed, and callers treat it as PostgreSQL unavailable.
  readonly code = '08006';
  constructor() {
    super('the statement ran inside a transaction left open on its connection, so it did not commit; the connection is closed and it is rolled back');
  }
}

/** What runs one SQL statement: a TypeORM EntityManager, or HeldConnections. */
export interface SqlRunner {
  query<T = unknown>(sql: string, parameters: unknown[]): Promise<T>;
}

interface Held {
  client: PoolClient;
  release: (error?: Error) => void;
  broken: boolean;
  markBroken: () => void;
}

/**
 * Connections taken from the DataSource's pool once and kept by one hot path (intake's group
 * commit), at most `keep` of them.
 *
 * Why: taking a connection from pg's pool waits for a `process.nextTick`, which Node runs only
 * after every promise continuation already queued. Under load those are the answers to the batch
 * that just committed, so the next batch reached PostgreSQL about 2 ms late and PostgreSQL sat
 * idle meanwhile. A held connection sends the statement before any answer is written.
 */
export class HeldConnections implements SqlRunner {
  private readonly idle: Held[] = [];
  private closing = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly keep: number,
  ) {}

  async query<T = unknown>(sql: string, parameters: unknown[]): Promise<T> {
    // No await before client.query when a connection is held: that is the point of holding it.
    const held = this.takeIdle() ?? (await this.take());
    try {
      const result = await held.client.query(sql, parameters);
      // A statement that ran inside a transaction left open on its connection has not committed:
      // never report it as stored. Closing the connection rolls it back.
      if (held.client.getTransactionStatus() !== 'I') throw new UncommittedStatement();
      return result.rows as T;
    } catch (error) {
      if (isDatabaseUnavailable(error)) held.broken = true;
      throw error;
    } finally {
      this.giveBack(held);
    }
  }

  /** Returns the held connections to the pool (before the DataSource closes); later queries borrow and return at once. */
  close(): void {
    this.closing = true;
    for (const held of this.idle.splice(0)) this.giveBack(held);
  }

  private takeIdle(): Held | undefined {
    for (let held = this.idle.pop(); held; held = this.idle.pop()) {
      if (!held.broken) return held;
      this.giveBack(held); // lost while idle (PostgreSQL restarted): closed, not used
    }
    return undefined;
  }

  private async take(): Promise<Held> {
    for (;;) {
      const [client, release] = (await (this.dataSource.driver as PostgresDriver).obtainMasterConnection()) as [PoolClient, (error?: Error) => void];
      if (isSettled(client)) return this.hold(client, release);
      release(new Error('connection left unsettled')); // closed by the pool, never kept
    }
  }

  private hold(client: PoolClient, release: (error?: Error) => void): Held {
    const held: Held = { client, release, broken: false, markBroken: () => (held.broken = true) };
    // The pool stops listening for errors on a connection it has lent out: a socket error would otherwise crash the process.
    client.on('error', held.markBroken);
    client.on('end', held.markBroken);
    return held;
  }

  private giveBack(held: Held): void {
    if (!held.broken && !this.closing && this.idle.length < this.keep) {
      this.idle.push(held);
      return;
    }
    held.client.off('error', held.markBroken);
    held.client.off('end', held.markBroken);
    // A broken connection is released with an error, so the pool closes it rather than lend it again.
    held.release(held.broken ? new Error('connection lost') : undefined);
  }
}
