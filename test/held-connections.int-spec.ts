import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { dataSourceOptions, HeldConnections, isDatabaseUnavailable, isDatabaseSilent, openAppDataSource } from '../libs/persistence';
import { runSql, testDatabaseUrls } from './support/test-database';
import { testEnv } from './support/test-env';

/** Intake's group commit keeps its pool connection; a connection PostgreSQL closed is replaced, never reused. */
describe('HeldConnections', () => {
  let dataSource: DataSource;
  const backendPid = async (held: HeldConnections) => (await held.query<Array<{ pid: number }>>('SELECT pg_backend_pid() AS pid', []))[0].pid;

  beforeAll(async () => {
    dataSource = await new DataSource(dataSourceOptions(testEnv('VIGIL_TEST_DATABASE_URL'), 3)).initialize();
  });
  afterAll(async () => {
    // Would hang if a held connection were never given back to the pool.
    await dataSource?.destroy();
  });

  it('runs every statement on the one connection it keeps', async () => {
    const held = new HeldConnections(dataSource, 1);
    const pids = [await backendPid(held), await backendPid(held), await backendPid(held)];
    held.close();
    expect(new Set(pids).size).toBe(1);
  });

  it('replaces a connection that PostgreSQL closed, and the pool does not lend it again', async () => {
    const held = new HeldConnections(dataSource, 1);
    const before = await backendPid(held);
    await dataSource.query('SELECT pg_terminate_backend($1)', [before]);
    await sleep(300); // the closed socket's notice reaches the client

    const after = await backendPid(held);
    expect(after).not.toBe(before);
    // Every connection the pool lends is alive.
    const lent = await Promise.all([1, 2, 3].map(() => dataSource.query('SELECT pg_backend_pid() AS pid')));
    expect(lent.map((rows: Array<{ pid: number }>) => rows[0].pid)).not.toContain(before);
    held.close();
  });

  it('fails a transaction whose connection PostgreSQL closed between its statements as unavailable and not stored', async () => {
    const error: unknown = await dataSource
      .transaction(async (manager) => {
        const [{ pid }] = (await manager.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
        await dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
        await sleep(300); // the closed socket's notice reaches the client
        await manager.query('SELECT 1');
      })
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/QueryRunnerProviderAlreadyReleasedError/);
    expect({ unavailable: isDatabaseUnavailable(error), maybeStored: isDatabaseSilent(error) }).toEqual({ unavailable: true, maybeStored: false });

    // The same through the query runner itself (as the audit verifier uses one).
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    const [{ pid }] = (await runner.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
    await dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
    await sleep(300);
    const runnerError: unknown = await runner.query('SELECT 1').catch((e: unknown) => e);
    await runner.release();
    expect(String(runnerError)).toMatch(/QueryRunnerAlreadyReleasedError/);
    expect({ unavailable: isDatabaseUnavailable(runnerError), maybeStored: isDatabaseSilent(runnerError) }).toEqual({ unavailable: true, maybeStored: false });
  });

  /**
   * What a PostgreSQL that stops answering for a while leaves behind: a statement the client gave
   * up on (its query_timeout) still runs once PostgreSQL wakes. When that statement opens a
   * transaction (a BEGIN whose ROLLBACK timed out too), the connection would be lent on idle in a
   * transaction that never commits. A slow multi-statement query stands in for the frozen server.
   */
  describe('after a statement the client gave up waiting for', () => {
    let timingOut: DataSource;
    const table = `held_probe_${process.pid}`;
    const stored = async (id: number) => (await dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [id]))[0].n as number;
    /** One connection, whose statements the client gives up on after 200 ms. */
    function timingOutOptions(): DataSourceOptions {
      const options = dataSourceOptions(testEnv('VIGIL_TEST_DATABASE_URL'), 1);
      return { ...options, extra: { ...options.extra, query_timeout: 200 } };
    }
    /** The pool's only connection answers nothing for 600 ms, then opens a transaction. */
    async function leaveTransactionOpen(on: DataSource): Promise<void> {
      await expect(on.query('SELECT pg_sleep(0.6); BEGIN')).rejects.toThrow(/Query read timeout/);
      await sleep(900);
    }

    beforeAll(async () => {
      timingOut = await new DataSource(timingOutOptions()).initialize();
      await runSql(testDatabaseUrls().ownerUrl, [`CREATE TABLE ${table} (id int)`, `GRANT SELECT, INSERT ON ${table} TO PUBLIC`]);
    });
    afterAll(async () => {
      await timingOut?.destroy();
      await runSql(testDatabaseUrls().ownerUrl, [`DROP TABLE IF EXISTS ${table}`]);
    });

    it('does not report a statement as stored when it leaves a transaction open on its connection', async () => {
      const held = new HeldConnections(timingOut, 1);
      try {
        const refused = held.query(`BEGIN; INSERT INTO ${table} VALUES (1)`, []);
        await expect(refused).rejects.toThrow(/did not commit/);
        const error: unknown = await refused.catch((e: unknown) => e);
        // Answered as PostgreSQL unavailable, and as surely not stored: the connection is closed, which rolls it back.
        expect({ unavailable: isDatabaseUnavailable(error), maybeStored: isDatabaseSilent(error) }).toEqual({ unavailable: true, maybeStored: false });
        expect(await stored(1)).toBe(0);
        // The next statement gets a connection of its own, and commits.
        await held.query(`INSERT INTO ${table} VALUES (2)`, []);
        expect(await stored(2)).toBe(1);
      } finally {
        held.close();
      }
    });

    it('does not keep a connection TypeORM handed back with a transaction open', async () => {
      await leaveTransactionOpen(timingOut);
      const held = new HeldConnections(timingOut, 1);
      await held.query(`INSERT INTO ${table} VALUES (3)`, []);
      expect(await stored(3)).toBe(1);
      held.close();
    });

    it("closes a connection handed back unsettled, so that the apps' pool lends it to no one", async () => {
      const apps = await openAppDataSource(timingOutOptions());
      try {
        await leaveTransactionOpen(apps);
        await apps.query(`INSERT INTO ${table} VALUES (4)`);
        expect(await stored(4)).toBe(1);
      } finally {
        await apps.destroy();
      }
    });
  });

  it('gives its connection back once closed, so later statements borrow and return one', async () => {
    const held = new HeldConnections(dataSource, 1);
    await backendPid(held);
    held.close();
    await backendPid(held);
    // All three of the pool's connections can be taken at once: none is kept.
    const runners = await Promise.all([1, 2, 3].map(() => (dataSource.driver as unknown as { obtainMasterConnection(): Promise<[unknown, () => void]> }).obtainMasterConnection()));
    runners.forEach(([, release]) => release());
    expect(runners).toHaveLength(3);
  });
});
