import type { Pool, PoolClient } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * True when a connection is fit to lend: no statement on it awaits an answer, and no transaction is
 * open on it. `readyForQuery` is pg's own flag (its type definitions leave it out): false from the
 * moment a statement is sent until PostgreSQL says it is ready for the next.
 */
export function isSettled(client: PoolClient): boolean {
  const { readyForQuery } = client as unknown as { readyForQuery?: boolean };
  return readyForQuery !== false && client.getTransactionStatus() === 'I';
}

/**
 * Closes a connection handed back to the pool unsettled, rather than let the pool lend it again.
 *
 * Why: pg's `query_timeout` (VIGIL_DB_QUERY_TIMEOUT_MS, for a PostgreSQL that does not answer at
 * all) fails the statement but leaves it on its connection, and TypeORM hands that connection back
 * as usual. If it was a transaction's BEGIN, and its ROLLBACK timed out too, PostgreSQL runs the
 * BEGIN when it wakes; every statement on that connection afterwards, each meant to commit on its
 * own, then joins a transaction that never commits. Closing the connection rolls it back.
 */
export function closeUnsettledConnections(dataSource: DataSource): void {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  pool.on('release', (error: Error | undefined, client: PoolClient) => {
    // pg-pool removes a client whose end() has begun; with a statement in flight, end() drops the socket at once.
    if (!error && !isSettled(client)) void client.end().catch(() => undefined);
  });
}

/**
 * Gives every connection of the pool an `error` listener for its whole life. PostgreSQL ending a
 * backend (a restart, a failover, pg_terminate_backend) makes its connection emit `error`, and at
 * some moments (lent out, before or after TypeORM listens) nothing else listens: Node then throws
 * it, and the process ends. The statement under way still fails, and the pool drops the connection.
 */
export function survivePostgresEndingConnections(dataSource: DataSource): void {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  // On acquire: also the connections the pool opened before this listener was added.
  const listening = new WeakSet<PoolClient>();
  pool.on('acquire', (client: PoolClient) => {
    if (listening.has(client)) return;
    listening.add(client);
    client.on('error', () => undefined);
  });
}

/** The apps' DataSource: connected, surviving connections PostgreSQL ends, with unsettled connections closed on their way back to the pool. */
export async function openAppDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource(options).initialize();
  survivePostgresEndingConnections(dataSource);
  closeUnsettledConnections(dataSource);
  return dataSource;
}
