import { randomUUID } from 'crypto';
import { Client } from 'pg';
import { AuditLog1764000000001 } from '../../../migrations/1764000000001-AuditLog';
import { GroupCommitIntake1764000000002 } from '../../../migrations/1764000000002-GroupCommitIntake';
import { SetBasedIntake1764000000003 } from '../../../migrations/1764000000003-SetBasedIntake';
import { IncidentTimesInMilliseconds1764000000004 } from '../../../migrations/1764000000004-IncidentTimesInMilliseconds';
import { IdempotencyRequestHash1764000000005 } from '../../../migrations/1764000000005-IdempotencyRequestHash';
import { IncidentAlertsByPage1764000000006 } from '../../../migrations/1764000000006-IncidentAlertsByPage';
import { UniqueApiKeyNames1764000000007 } from '../../../migrations/1764000000007-UniqueApiKeyNames';
import { UndeliveredCommandsByWorkflow1764000000008 } from '../../../migrations/1764000000008-UndeliveredCommandsByWorkflow';
import { PruneDeliveredCommands1764000000010 } from '../../../migrations/1764000000010-PruneDeliveredCommands';
import { AuditDefinersOffPublic1764000000011 } from '../../../migrations/1764000000011-AuditDefinersOffPublic';
import { AuditLog, incidentChainId } from '../index';
import { buildEventContent, eventContentText } from '../src/event-content';
import { createScratchDatabase, openDataSource, type ScratchDatabase } from '../../../test/support/test-database';

// A database of its own: the owner's TRUNCATE attempts must never reach the shared one.
describe('audit tables are append-only', () => {
  let db: ScratchDatabase;
  let app: Client;
  let owner: Client;
  const chainId = incidentChainId(randomUUID());

  beforeAll(async () => {
    db = await createScratchDatabase('vigil_audit_appendonly');
    const ds = await openDataSource(db.appUrl, 1);
    try {
      const audit = new AuditLog(ds);
      for (let i = 0; i < 3; i++) await audit.append({ chainId, type: 'step', actor: 'worker', data: { i } });
      await audit.checkpoint();
    } finally {
      await ds.destroy();
    }
    app = new Client({ connectionString: db.appUrl });
    owner = new Client({ connectionString: db.ownerUrl });
    await Promise.all([app.connect(), owner.connect()]);
  });

  afterAll(async () => {
    await Promise.all([app?.end(), owner?.end()]);
    await db?.drop();
  });

  const changes = (table: string) => [
    `UPDATE ${table} SET hash = repeat('f', 64)`,
    `DELETE FROM ${table}`,
    `TRUNCATE ${table}`,
  ];
  const appendOnlyTables = ['audit_events', 'audit_checkpoints', 'audit_checkpoint_heads'];

  it.each(appendOnlyTables.flatMap(changes).concat(changes('audit_chain_heads')))('the app role may not: %s', async (sql) => {
    await expect(app.query(sql)).rejects.toThrow(/permission denied/);
  });

  it('the app role may not write heads directly', async () => {
    await expect(app.query(`INSERT INTO audit_chain_heads (chain_id, seq, hash) VALUES ('forged', 1, repeat('0', 64))`)).rejects.toThrow(
      /permission denied/,
    );
  });

  it.each(appendOnlyTables.flatMap(changes))('the owner is stopped by the trigger: %s', async (sql) => {
    await expect(owner.query(sql)).rejects.toThrow(/append-only/);
  });

  it.each([
    [`DELETE FROM audit_chain_heads`, /append-only/],
    [`TRUNCATE audit_chain_heads`, /append-only/],
    [`UPDATE audit_chain_heads SET seq = seq - 1`, /may only advance/],
    [`UPDATE audit_chain_heads SET hash = repeat('f', 64)`, /may only advance/],
  ])('the owner cannot move a head except forward: %s', async (sql, error) => {
    await expect(owner.query(sql)).rejects.toThrow(error);
  });

  it('left every row as it was', async () => {
    const { rows } = await owner.query<{ seq: string }>('SELECT seq FROM audit_events WHERE chain_id = $1 ORDER BY seq', [chainId]);
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3]);
    const ds = await openDataSource(db.appUrl, 1);
    try {
      expect(await new AuditLog(ds).verify()).toMatchObject({ ok: true, chains: 1, events: 3, checkpoints: 1 });
    } finally {
      await ds.destroy();
    }
  });

  it('grants vigil_app only INSERT and SELECT on events and checkpoints, SELECT on heads', async () => {
    const { rows } = await owner.query<{ table_name: string; privileges: string }>(
      `SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) AS privileges
         FROM information_schema.role_table_grants
        WHERE grantee = 'vigil_app' AND table_name LIKE 'audit%'
        GROUP BY table_name ORDER BY table_name`,
    );
    expect(rows).toEqual([
      { table_name: 'audit_chain_heads', privileges: 'SELECT' },
      { table_name: 'audit_checkpoint_heads', privileges: 'INSERT,SELECT' },
      { table_name: 'audit_checkpoints', privileges: 'INSERT,SELECT' },
      { table_name: 'audit_events', privileges: 'INSERT,SELECT' },
    ]);
  });

  it('has down migrations that remove the audit schema and ups that restore it', async () => {
    const ds = await openDataSource(db.ownerUrl, 3);
    const runner = ds.createQueryRunner();
    try {
      // Newest first: the intake functions are built on the audit tables.
      const migrations = [
        new AuditDefinersOffPublic1764000000011(),
        new PruneDeliveredCommands1764000000010(),
        new UndeliveredCommandsByWorkflow1764000000008(),
        new UniqueApiKeyNames1764000000007(),
        new IncidentAlertsByPage1764000000006(),
        new IdempotencyRequestHash1764000000005(),
        new IncidentTimesInMilliseconds1764000000004(),
        new SetBasedIntake1764000000003(),
        new GroupCommitIntake1764000000002(),
        new AuditLog1764000000001(),
      ];
      for (const migration of migrations) await migration.down(runner);
      // Keys that came to share a name before names were unique: the oldest keeps it.
      const sharedName = `shared-${chainId}`;
      for (const [i, id] of [randomUUID(), randomUUID()].entries()) {
        await runner.query(`INSERT INTO api_keys (id, name, role, key_hash, key_prefix, created_by, created_at) VALUES ($1, $2, 'ingest', $3, 'vgl_xxxx', 'test', now() + $4 * interval '1 second')`, [id, sharedName, `${i}`.repeat(64), i]);
      }
      const [{ n }] = (await runner.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'audit%'`)) as { n: number }[];
      expect(n).toBe(0);
      for (const migration of migrations.reverse()) await migration.up(runner);
      const audit = new AuditLog(ds);
      await audit.append({ chainId, type: 'step', actor: 'worker' });
      expect(await audit.verify()).toMatchObject({ ok: true, events: 1 });
      const [hashColumn] = (await runner.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'alerts' AND column_name = 'idempotency_request_hash'`)) as unknown[];
      expect(hashColumn).toBeDefined();
      const renamed = (await runner.query(`SELECT name FROM api_keys WHERE name LIKE $1 ORDER BY created_at`, [`shared-${chainId}%`])) as { name: string }[];
      expect(renamed.map((k) => k.name)).toEqual([`shared-${chainId}`, expect.stringMatching(new RegExp(`^shared-${chainId} \\([0-9a-f]{8}\\)$`))]);
      const [index] = (await runner.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'alerts_by_incident'`)) as { indexdef: string }[];
      expect(index.indexdef).toContain('(incident_id, received_at DESC, id DESC)');
    } finally {
      await runner.release();
      await ds.destroy();
    }
  });

  it("runs no function another role put in public while it appends with the owner's rights", async () => {
    // As on PostgreSQL 14, where every role may create objects in public. This convert_to matches
    // the untyped 'UTF8' of the hash better than the built-in convert_to(text, name) does.
    await owner.query(`GRANT CREATE ON SCHEMA public TO vigil_app`);
    await app.query(`CREATE FUNCTION public.convert_to(text, text) RETURNS bytea LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'planted function ran as %', current_user; END $$`);
    const ds = await openDataSource(db.appUrl, 1);
    try {
      const audit = new AuditLog(ds);
      const planted = incidentChainId(randomUUID());
      await audit.append({ chainId: planted, type: 'one', actor: 'worker' });
      const batch = [eventContentText(buildEventContent({ chainId: planted, type: 'batch', actor: 'worker' }, randomUUID(), new Date()))];
      await app.query(`SELECT audit_append_batch($1::text[])`, [batch]);
      const { rows } = await app.query<{ type: string }>(`SELECT type FROM audit_events WHERE chain_id = $1 ORDER BY seq`, [planted]);
      expect(rows.map((r) => r.type)).toEqual(['one', 'batch']);
      expect(await audit.verify()).toMatchObject({ ok: true });
    } finally {
      await ds.destroy();
      await app.query(`DROP FUNCTION public.convert_to(text, text)`);
      await owner.query(`REVOKE CREATE ON SCHEMA public FROM vigil_app`);
    }
  });
});
