import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { childProcessesOf, clearTheWay, explainMigrationFailure, findFreePort, isProcessAlive, pgCtlStart, postmasterPid, runMigrations, supervisedPostgres, waitUntil, type PostgresCluster } from '../libs/dev-stack';
import { freezeOutagePostgres, startOutagePostgres, stopOutagePostgres, withOutagePostgres } from './support/postgres-control';
import { testEnv } from './support/test-env';
import { createScratchDatabase } from './support/test-database';

/** What global setup promises every test: a migrated PostgreSQL, an app role that owns nothing, an outage cluster, the Temporal CLI. */

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('test stack from global setup', () => {
  it('ran the migrations', async () => {
    const tables = await withClient(testEnv('VIGIL_TEST_DATABASE_OWNER_URL'), async (owner) =>
      (await owner.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).rows.map((row) => row.table_name),
    );
    expect(tables).toEqual(expect.arrayContaining(['vigil_migrations', 'incidents', 'alerts', 'workflow_outbox', 'api_keys']));
  });

  it("names DATABASE_OWNER_URL when the migrations ran as the apps' login, which may create nothing", async () => {
    const empty = await createScratchDatabase('vigil_unmigrated', 'template0');
    try {
      const failure = await runMigrations(empty.appUrl, () => undefined).then(() => undefined, (error: unknown) => error);
      expect(explainMigrationFailure(failure, 'DATABASE_URL').message).toMatch(/^the migrations were refused: permission denied for schema public\. They run as the login that owns the schema: set DATABASE_OWNER_URL to it \(DATABASE_URL/);
      expect(explainMigrationFailure(failure, 'DATABASE_OWNER_URL').message).toMatch(/set DATABASE_OWNER_URL to it$/);
    } finally {
      await empty.drop();
    }
  });

  it('connects the app as a login role in vigil_app that can write rows but owns nothing', async () => {
    await withClient(testEnv('VIGIL_TEST_DATABASE_URL'), async (app) => {
      const { rows } = await app.query(
        `SELECT current_user AS name, r.rolsuper AS superuser, pg_has_role(current_user, 'vigil_app', 'MEMBER') AS member
           FROM pg_roles r WHERE r.rolname = current_user`,
      );
      expect(rows[0]).toEqual({ name: 'vigil', superuser: false, member: true });

      await app.query('BEGIN');
      try {
        const inserted = await app.query(
          `INSERT INTO incidents (id, fingerprint, status, severity, service, alertname, title, labels, first_seen_at, last_seen_at, workflow_id)
           VALUES (gen_random_uuid(), 'fp-dev-stack', 'triggered', 'info', 'dev-stack', 'DevStack', 'dev stack check', '{}', now(), now(), 'incident-dev-stack-' || gen_random_uuid())
           RETURNING id`,
        );
        const found = await app.query('SELECT title FROM incidents WHERE id = $1', [inserted.rows[0].id]);
        expect(found.rows).toEqual([{ title: 'dev stack check' }]);
      } finally {
        await app.query('ROLLBACK');
      }
      await expect(app.query('DROP TABLE incidents')).rejects.toThrow(/must be owner/);
    });
  });

  it('lets a test stop and restart the outage cluster', async () => {
    await withOutagePostgres(async ({ appUrl }) => {
      await expect(withClient(appUrl, (c) => c.query('SELECT 1 AS up'))).resolves.toMatchObject({ rows: [{ up: 1 }] });

      await stopOutagePostgres();
      await expect(withClient(appUrl, (c) => c.query('SELECT 1'))).rejects.toThrow(/ECONNREFUSED/);

      await startOutagePostgres();
      await expect(withClient(appUrl, (c) => c.query('SELECT count(*)::int AS n FROM api_keys'))).resolves.toMatchObject({ rows: [{ n: expect.any(Number) }] });
    });
  });

  it('ends a frozen PostgreSQL when its stop fails, the postmaster and every backend, so that none outlives the stack', async () => {
    await withOutagePostgres(async ({ appUrl, pgCtl }) => {
      // A backend or two besides the postmaster's own helpers.
      await withClient(appUrl, (c) => c.query('SELECT 1'));
      const postmaster = (await postmasterPid(pgCtl.dataDir))!;
      const members = [postmaster, ...childProcessesOf(postmaster)];
      expect(members.length).toBeGreaterThan(1);
      await freezeOutagePostgres();
      const cluster = { pid: postmaster, exited: new Promise(() => undefined), stop: () => Promise.reject(new Error('pg_ctl: server does not shut down')) };
      supervisedPostgres(cluster as unknown as PostgresCluster).killNow?.();
      await waitUntil(async () => members.every((pid) => !isProcessAlive(pid)), { description: 'every PostgreSQL process gone', timeoutMs: 20_000, intervalMs: 100 });
    });
  });

  it('starts a PostgreSQL that was killed outright when its pid is another program\'s now, and leaves that program alone', async () => {
    await withOutagePostgres(async ({ pgCtl, ownerUrl }) => {
      await stopOutagePostgres('immediate');
      // Another program of the server's own user, holding the pid postmaster.pid names (a busy machine reuses pids).
      const decoy = spawn('sleep', ['120'], { cwd: '/', stdio: 'ignore', uid: pgCtl.osUser?.uid, gid: pgCtl.osUser?.gid });
      try {
        await writeFile(join(pgCtl.dataDir, 'postmaster.pid'), `${decoy.pid}\n${pgCtl.dataDir}\n`);
        const lines: string[] = [];
        // What npm start does before it starts the server.
        await clearTheWay(pgCtl, (line) => lines.push(line));
        expect(lines).toEqual([expect.stringMatching(/postmaster\.pid is left from a server that was killed; starting afresh$/)]);
        await startOutagePostgres();
        await expect(withClient(ownerUrl, (c) => c.query('SELECT 1 AS up'))).resolves.toMatchObject({ rows: [{ up: 1 }] });
        expect(isProcessAlive(decoy.pid!)).toBe(true);
      } finally {
        decoy.kill('SIGKILL');
      }
    });
  });

  it('starts a PostgreSQL that was killed outright when its postmaster is a zombie not yet reaped (some container inits reap late)', async () => {
    await withOutagePostgres(async ({ pgCtl, ownerUrl }) => {
      await stopOutagePostgres('immediate');
      // The shell's first child exits; the shell becomes `sleep`, which never reaps it: a zombie of the server's own user.
      const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 120'], { cwd: '/', stdio: ['ignore', 'pipe', 'ignore'], uid: pgCtl.osUser?.uid, gid: pgCtl.osUser?.gid });
      try {
        const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
        await waitUntil(async () => !isProcessAlive(zombie), { description: 'the first child a zombie', timeoutMs: 5_000, intervalMs: 50 });
        await writeFile(join(pgCtl.dataDir, 'postmaster.pid'), `${zombie}\n${pgCtl.dataDir}\n`);
        const lines: string[] = [];
        await clearTheWay(pgCtl, (line) => lines.push(line));
        expect(lines).toEqual([expect.stringMatching(/postmaster\.pid is left from a server that was killed; starting afresh$/)]);
        await startOutagePostgres();
        await expect(withClient(ownerUrl, (c) => c.query('SELECT 1 AS up'))).resolves.toMatchObject({ rows: [{ up: 1 }] });
      } finally {
        parent.kill('SIGKILL');
      }
    });
  });

  it('says why PostgreSQL would not start, from its log: here, a port another process holds', async () => {
    await withOutagePostgres(async ({ pgCtl, logFile }) => {
      await stopOutagePostgres();
      const port = await findFreePort();
      const holder = createServer();
      await new Promise<void>((resolve) => holder.listen({ port, host: '127.0.0.1', exclusive: true }, resolve));
      try {
        const failure = await pgCtlStart(pgCtl, { port, logFile, timeoutSec: 20 }).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(Error);
        expect((failure as Error).message).toMatch(new RegExp(`pg_ctl: could not start server[\\s\\S]*PostgreSQL's log \\(.+\\) says:\\n[\\s\\S]*Address already in use[\\s\\S]*port ${port}`));
      } finally {
        await new Promise((resolve) => holder.close(resolve));
      }
    });
  });

  it('hands the tests a runnable Temporal CLI', async () => {
    const { stdout } = await promisify(execFile)(testEnv('TEMPORAL_CLI_PATH'), ['--version']);
    expect(stdout).toMatch(/^temporal version \d+\.\d+\.\d+/);
  });
});
