import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { VigilConfig } from '../../../../libs/config';
import { createScratchDatabase, openDataSource, runSql, type ScratchDatabase } from '../../../../test/support/test-database';
import { eventually } from '../../../../test/support/vigil-harness';
import { MAX_ROWS_PER_SWEEP, OutboxPruner } from './outbox-pruner.service';
import { OutboxStore } from './outbox.store';

/** A command of one incident, created and (unless null) delivered the given number of hours ago. */
interface Command {
  createdHoursAgo: number;
  deliveredHoursAgo: number | null;
}

describe('OutboxPruner on PostgreSQL', () => {
  let db: ScratchDatabase;
  let ds: DataSource;
  let pruner: OutboxPruner;
  let incidentId: string;

  beforeAll(async () => {
    db = await createScratchDatabase('vigil_outbox_prune');
    // As the app's role: the pruner deletes with the rights Vigil runs with.
    ds = await openDataSource(db.appUrl, 2);
    pruner = new OutboxPruner(new OutboxStore(ds), VigilConfig.fromEnv({ DATABASE_URL: db.appUrl, VIGIL_OUTBOX_RETENTION_HOURS: '24' }));
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  beforeEach(async () => {
    incidentId = randomUUID();
    await runSql(db.ownerUrl, [
      `DELETE FROM workflow_outbox`,
      [
        `INSERT INTO incidents (id, fingerprint, status, severity, service, alertname, title, labels, first_seen_at, last_seen_at, workflow_id)
         VALUES ($1::uuid, $1::text, 'triggered', 'critical', 'checkout', 'HighErrorRate', 'HighErrorRate on checkout', '{}', now(), now(), 'incident-' || $1::text)`,
        [incidentId],
      ],
    ]);
  });

  async function queue(commands: Command[]): Promise<void> {
    await runSql(db.ownerUrl, [
      [
        `INSERT INTO workflow_outbox (incident_id, workflow_id, payload, created_at, dispatched_at)
         SELECT $1::uuid, 'incident-' || $1::text, '{}', now() - c.created * interval '1 hour', now() - c.delivered * interval '1 hour'
           FROM unnest($2::float8[], $3::float8[]) AS c(created, delivered)`,
        [incidentId, commands.map((c) => c.createdHoursAgo), commands.map((c) => c.deliveredHoursAgo)],
      ],
    ]);
  }

  async function remaining(): Promise<Command[]> {
    const rows: Array<{ created: number; delivered: number | null }> = await ds.query(
      `SELECT round(extract(epoch FROM now() - created_at) / 3600)::int AS created,
              round(extract(epoch FROM now() - dispatched_at) / 3600)::int AS delivered
         FROM workflow_outbox ORDER BY id`,
    );
    return rows.map((r) => ({ createdHoursAgo: r.created, deliveredHoursAgo: r.delivered }));
  }

  it('deletes commands delivered before the retention and keeps newer and undelivered ones', async () => {
    await queue([
      { createdHoursAgo: 200, deliveredHoursAgo: 199 },
      { createdHoursAgo: 30, deliveredHoursAgo: 25 },
      { createdHoursAgo: 30, deliveredHoursAgo: 23 },
      { createdHoursAgo: 720, deliveredHoursAgo: null },
      { createdHoursAgo: 1, deliveredHoursAgo: 1 },
    ]);

    expect(await pruner.sweep()).toBe(2);
    expect(await remaining()).toEqual([
      { createdHoursAgo: 30, deliveredHoursAgo: 23 },
      { createdHoursAgo: 720, deliveredHoursAgo: null },
      { createdHoursAgo: 1, deliveredHoursAgo: 1 },
    ]);
    expect(await pruner.sweep()).toBe(0);
  });

  it('deletes a backlog larger than one statement takes in one sweep', async () => {
    await queue(Array.from({ length: 2_500 }, () => ({ createdHoursAgo: 50, deliveredHoursAgo: 48 })));
    await queue([{ createdHoursAgo: 2, deliveredHoursAgo: 2 }]);

    expect(await pruner.sweep()).toBe(2_500);
    expect(await remaining()).toEqual([{ createdHoursAgo: 2, deliveredHoursAgo: 2 }]);
  });

  it('keeps sweeping soon after a sweep that stopped at its limit, so a backlog of any size goes', async () => {
    await queue(Array.from({ length: MAX_ROWS_PER_SWEEP + 5_000 }, () => ({ createdHoursAgo: 50, deliveredHoursAgo: 48 })));
    await queue([{ createdHoursAgo: 2, deliveredHoursAgo: 2 }]);

    const running = new OutboxPruner(new OutboxStore(ds), VigilConfig.fromEnv({ DATABASE_URL: db.appUrl, VIGIL_OUTBOX_RETENTION_HOURS: '24' }));
    running.onApplicationBootstrap();
    try {
      await eventually(async () => {
        const [{ n }]: Array<{ n: number }> = await ds.query(`SELECT count(*)::int AS n FROM workflow_outbox`);
        return n === 1 ? true : undefined;
      }, 'the whole backlog pruned');
      expect(await remaining()).toEqual([{ createdHoursAgo: 2, deliveredHoursAgo: 2 }]);
    } finally {
      await running.beforeApplicationShutdown();
    }
  });
});
