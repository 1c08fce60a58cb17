import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { dataSourceOptions, HeldConnections } from '../libs/persistence';
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
