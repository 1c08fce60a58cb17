import { setTimeout as sleep } from 'node:timers/promises';
import { dataSourceOptions, openWhenReachable } from '../libs/persistence';
import { runSql } from './support/test-database';
import { freezeOutagePostgres, startOutagePostgres, stopOutagePostgres, withOutagePostgres } from './support/postgres-control';
import { alert, eventually, ownerQuery, TestTemporal, Vigil } from './support/vigil-harness';

/** Never a 2xx for an alert that is not in PostgreSQL: while it is down, intake answers 503 with Retry-After. */
describe('while PostgreSQL is down', () => {
  let temporal: TestTemporal;

  beforeAll(async () => {
    temporal = await TestTemporal.start();
  });
  afterAll(async () => {
    await temporal?.stop();
  });

  it('answers 503 with Retry-After (never 2xx), reports not ready, and accepts again once it is back', async () => {
    await withOutagePostgres(async (cluster) => {
      const vigil = await Vigil.start({ temporalAddress: temporal.address, database: cluster, worker: false, env: { LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' } });
      try {
        const before = await vigil.json('/api/v1/alerts', { body: alert() });
        expect(before.status).toBe(202);

        await stopOutagePostgres();
        const body = alert();
        const during = await vigil.json('/api/v1/alerts', { body });
        expect(during.status).toBe(503);
        expect(during.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(during.headers.get('content-type')).toContain('application/problem+json');
        expect(during.body).toMatchObject({ status: 503, title: 'Storage is unavailable' });
        expect(JSON.stringify(during.body)).not.toMatch(/ECONNREFUSED|at .*\.js/);
        const ready = await vigil.json('/health/ready', { key: null });
        expect(ready.status).toBe(503);
        expect(ready.body.checks.postgres.status).toBe('down');
        expect(JSON.stringify(ready.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connect/);

        await startOutagePostgres();
        const after = await vigil.json('/api/v1/alerts', { body });
        expect(after.status).toBe(202);
        // The alert refused during the outage was not stored: its retry opens the incident now.
        expect(after.body.alerts[0].outcome).toBe('created');
        const rows = await vigil.ownerQuery(`SELECT count(*)::int AS n FROM alerts WHERE fingerprint = $1`, [after.body.alerts[0].fingerprint]);
        expect(rows[0].n).toBe(1);
      } finally {
        await startOutagePostgres();
        await vigil.stop();
      }
    });
  });

  it('answers 503 when PostgreSQL stops answering (frozen), never hangs or says 2xx, and a retry with the same Idempotency-Key stores the alert once', async () => {
    await withOutagePostgres(async (cluster) => {
      const vigil = await Vigil.start({
        temporalAddress: temporal.address,
        database: cluster,
        worker: false,
        env: { LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent', VIGIL_DB_QUERY_TIMEOUT_MS: '1000', VIGIL_API_KEY_CACHE_MS: '0' },
      });
      try {
        expect((await vigil.json('/api/v1/alerts', { body: alert() })).status).toBe(202);
        const body = alert();
        const headers = { 'idempotency-key': `frozen-${Date.now()}` };
        const thaw = await freezeOutagePostgres();
        // Woken in any case after 30 s: a request that would hang for good then ends, and fails the test, instead of the cluster staying frozen.
        const wakeAnyway = setTimeout(thaw, 30_000);
        let during: Awaited<ReturnType<Vigil['json']>>;
        let ready: Awaited<ReturnType<Vigil['json']>>;
        try {
          during = await vigil.json('/api/v1/alerts', { body, headers });
          ready = await vigil.json('/health/ready', { key: null });
        } finally {
          clearTimeout(wakeAnyway);
          thaw();
        }
        expect(during.status).toBe(503);
        expect(during.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(during.headers.get('content-type')).toContain('application/problem+json');
        expect(ready.status).toBe(503);

        // The statement PostgreSQL never answered may have committed once it woke: the same key makes the retry safe.
        const retried = await eventually(async () => {
          const response = await vigil.json('/api/v1/alerts', { body, headers });
          return response.status === 202 ? response : undefined;
        }, 'intake accepting again');
        const rows = await vigil.ownerQuery(`SELECT count(*)::int AS n FROM alerts WHERE fingerprint = $1`, [retried.body.alerts[0].fingerprint]);
        expect(rows[0].n).toBe(1);
      } finally {
        await vigil.stop();
      }
    });
  });

  it('keeps /metrics readable during the outage with a key it checked lately, so the outage can be watched; a key it never saw gets 503', async () => {
    await withOutagePostgres(async (cluster) => {
      // Every request past the cache: the key is looked up each time, as once the cache has run out.
      const vigil = await Vigil.start({ temporalAddress: temporal.address, database: cluster, worker: false, env: { VIGIL_API_KEY_CACHE_MS: '0' } });
      try {
        const unseen = (await vigil.json('/api/v1/api-keys', { body: { name: `unseen-${Date.now()}`, role: 'admin' } })).body.key as string;
        const before = await vigil.fetch('/metrics');
        expect(before.status).toBe(200);
        expect(await before.text()).toMatch(/^vigil_outbox_backlog_up 1$/m);

        await stopOutagePostgres();
        expect((await vigil.json('/api/v1/alerts', { body: alert() })).status).toBe(503);
        const metrics = await vigil.fetch('/metrics');
        expect(metrics.status).toBe(200);
        const text = await metrics.text();
        expect(text).toMatch(/^vigil_alerts_received_total\{outcome="unavailable"\} 1$/m);
        // The outbox gauges cannot be read now, and say so.
        expect(text).toMatch(/^vigil_outbox_backlog_up 0$/m);
        expect((await vigil.json('/api/v1/incidents')).status).toBe(503);
        const stranger = await vigil.json('/metrics', { key: unseen });
        expect({ status: stranger.status, title: stranger.body.title }).toEqual({ status: 503, title: 'Storage is unavailable' });
      } finally {
        await startOutagePostgres();
        await vigil.stop();
      }
    });
  });

  it('answers 503 with Retry-After while PostgreSQL refuses new connections (too many for the role, database closed to connections)', async () => {
    await withOutagePostgres(async (cluster) => {
      const vigil = await Vigil.start({ temporalAddress: temporal.address, database: cluster, worker: false, env: { VIGIL_API_KEY_CACHE_MS: '0' } });
      const app = new URL(cluster.appUrl);
      const role = decodeURIComponent(app.username);
      const database = decodeURIComponent(app.pathname.slice(1));
      // A database cannot be closed to connections from inside itself.
      const elsewhere = new URL(cluster.ownerUrl);
      elsewhere.pathname = '/postgres';
      const refusals: Array<[string, string, string]> = [
        ['too many connections', `ALTER ROLE "${role}" CONNECTION LIMIT 0`, `ALTER ROLE "${role}" CONNECTION LIMIT -1`],
        ['not accepting connections', `ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS false`, `ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS true`],
      ];
      try {
        for (const [refusal, refuse, allow] of refusals) {
          // The app's open connections end too, so that every request needs a new one; also one that was
          // still logging in as the refusal came (it had no user name to be ended by yet).
          await runSql(elsewhere.href, [refuse]);
          await eventually(async () => {
            const [{ ended, left }] = await ownerQuery(
              `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS ended, count(*)::int AS left FROM pg_stat_activity WHERE usename = $1`,
              [role],
              elsewhere.href,
            );
            return ended === 0 && left === 0 ? true : undefined;
          }, 'no connection of the app left');
          try {
            const during = await vigil.json('/api/v1/alerts', { body: alert() });
            expect({ refusal, status: during.status, retryAfter: during.headers.get('retry-after'), title: during.body.title }).toEqual({
              refusal,
              status: 503,
              retryAfter: expect.stringMatching(/^\d+$/),
              title: 'Storage is unavailable',
            });
            expect((await vigil.json('/api/v1/incidents')).status).toBe(503);
          } finally {
            await runSql(elsewhere.href, [allow]);
          }
          expect((await vigil.json('/api/v1/alerts', { body: alert() })).status).toBe(202);
        }
      } finally {
        await vigil.stop();
      }
    });
  });

  it('keeps running while PostgreSQL ends its connections under traffic (a restart, a failover): each request 202 or 503, none unanswered', async () => {
    await withOutagePostgres(async (cluster) => {
      const vigil = await Vigil.start({ temporalAddress: temporal.address, database: cluster, worker: false });
      const role = decodeURIComponent(new URL(cluster.appUrl).username);
      try {
        const statuses = new Set<number | string>();
        const until = Date.now() + 4_000;
        const send = async (sender: number) => {
          for (let i = 0; Date.now() < until; i++) {
            const repeat = alert({ labels: { service: `ended-${sender}`, severity: i % 2 ? 'high' : 'critical' } });
            const answer = await vigil.json('/api/v1/alerts', { body: [alert(), repeat] }).catch((error: unknown) => ({ status: String(error) }));
            statuses.add(answer.status);
          }
        };
        const terminate = async () => {
          while (Date.now() < until) {
            await runSql(cluster.ownerUrl, [[`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]]]);
            await sleep(150);
          }
        };
        await Promise.all([send(1), send(2), send(3), terminate()]);
        expect([...statuses].filter((status) => status !== 202 && status !== 503)).toEqual([]);
        expect(statuses.has(202)).toBe(true);
        expect((await vigil.json('/api/v1/alerts', { body: alert() })).status).toBe(202);
      } finally {
        await vigil.stop();
      }
    });
  });

  it('an app started before PostgreSQL waits for it, saying why, and then connects; a refused login fails at once', async () => {
    await withOutagePostgres(async (cluster) => {
      const told: string[] = [];
      const onWaiting = (message: string) => told.push(message);
      const refused = new URL(cluster.appUrl);
      refused.password = 'not-the-password';
      await expect(openWhenReachable(dataSourceOptions(refused.href), { onWaiting })).rejects.toThrow(
        `PostgreSQL refused the connection: password authentication failed for user "${refused.username}" (SQLSTATE 28P01); check DATABASE_URL`,
      );
      expect(told).toEqual([]);

      await stopOutagePostgres();
      const opening = openWhenReachable(dataSourceOptions(cluster.appUrl), { onWaiting, retryMs: 100 });
      let settled = false;
      void opening.finally(() => (settled = true)).catch(() => undefined);
      await eventually(async () => (told.length > 0 ? true : undefined), 'told it is waiting');
      expect(told[0]).toBe(`PostgreSQL (DATABASE_URL) cannot be reached: connect ECONNREFUSED 127.0.0.1:${cluster.port}; waiting for it, trying again every 0.1 s`);
      expect(settled).toBe(false);

      await startOutagePostgres();
      const dataSource = await opening;
      try {
        expect(await dataSource.query('SELECT current_user AS role')).toEqual([{ role: refused.username }]);
      } finally {
        await dataSource.destroy();
      }
    });
  });

  it('an API started before PostgreSQL takes alerts once it is up', async () => {
    await withOutagePostgres(async (cluster) => {
      await stopOutagePostgres();
      let settled = false;
      const starting = Vigil.start({ temporalAddress: temporal.address, database: cluster, worker: false });
      void starting.finally(() => (settled = true)).catch(() => undefined);
      // Long enough for a start that gives up on the first refused connection to have done so.
      await sleep(2_000);
      expect(settled).toBe(false);
      await startOutagePostgres();
      const vigil = await starting;
      try {
        expect((await vigil.json('/api/v1/alerts', { body: alert() })).status).toBe(202);
      } finally {
        await vigil.stop();
      }
    });
  });
});
