import { randomUUID } from 'crypto';
import type { DataSource } from 'typeorm';
import { AuditLog, alertChainId, incidentChainId, type AuditEventInput, type AuditVerifyReport } from '../index';
import { openDataSource, testDatabaseUrls } from '../../../test/support/test-database';
import { verifyAuditLog } from '../src/audit-verifier';

// Runs on the shared test database as the app role, alongside other test files: every
// assertion is scoped to this file's own chains, and verify() must stay ok however many
// valid events others append meanwhile.

function expectOk(report: AuditVerifyReport): void {
  expect(report.firstBroken).toBeUndefined();
  expect(report.ok).toBe(true);
}

describe('AuditLog on PostgreSQL, as the app role', () => {
  let ds: DataSource;
  let audit: AuditLog;

  beforeAll(async () => {
    ds = await openDataSource(testDatabaseUrls().appUrl, 12);
    audit = new AuditLog(ds, { verifyBatchSize: 100 });
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  async function chainSeqs(chainId: string): Promise<number[]> {
    const rows = (await ds.query('SELECT seq FROM audit_events WHERE chain_id = $1 ORDER BY seq', [chainId])) as { seq: string }[];
    return rows.map((r) => Number(r.seq));
  }

  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('appends, reads back exactly what was hashed, and verifies', async () => {
    const incidentId = randomUUID();
    const chainId = incidentChainId(incidentId);
    const inputs: AuditEventInput[] = [
      {
        chainId,
        type: 'incident.created',
        actor: 'api-key:ingest',
        incidentId: incidentId.toUpperCase(),
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        workflowId: `incident-${incidentId}`,
        runId: randomUUID(),
        occurredAt: '2025-03-04T05:06:07.579999Z',
        data: { severity: 'critical', labels: { z: '1', a: 'é 😀 \u2028' }, amount: 0.1, big: 1e21, tiny: 5e-324, neg: -0, n: [1, 2.5, null, true] },
      },
      { chainId, type: 'incident.paged', actor: 'worker', incidentId, data: { level: 1, 'key with "quotes"': 'v\\x' } },
      { chainId, type: 'incident.acknowledged', actor: 'user:alice', incidentId, occurredAt: new Date('1999-12-31T23:59:59.999Z') },
    ];
    const records = [];
    for (const input of inputs) records.push(await audit.append(input));

    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]).toMatchObject({
      chainId,
      incidentId,
      occurredAt: '2025-03-04T05:06:07.579Z',
      data: { severity: 'critical', labels: { z: '1', a: 'é 😀 \u2028' }, amount: 0.1, big: 1e21, tiny: 5e-324, neg: 0, n: [1, 2.5, null, true] },
      idempotencyKey: null,
      prevHash: '0'.repeat(64),
    });
    expect(records[1].prevHash).toBe(records[0].hash);
    expect(records[2].occurredAt).toBe('1999-12-31T23:59:59.999Z');

    const timeline = await audit.timeline(incidentId, { limit: 100, afterSeq: 0 });
    expect(timeline).toEqual(
      records.map((r) => ({
        id: r.id,
        seq: r.seq,
        occurredAt: r.occurredAt,
        type: r.type,
        actor: r.actor,
        traceId: r.traceId,
        spanId: r.spanId,
        workflowId: r.workflowId,
        runId: r.runId,
        data: r.data,
        hash: r.hash,
      })),
    );
    expectOk(await audit.verify());
  });

  it('runs one verify at a time: callers asking while one runs share its report, and a later call runs afresh', async () => {
    const [first, second] = await Promise.all([audit.verify(), audit.verify()]);
    expect(second).toBe(first);
    expectOk(first);
    const later = await audit.verify();
    expect(later).not.toBe(first);
    expect(Date.parse(later.checkedAt)).toBeGreaterThanOrEqual(Date.parse(first.checkedAt));
  });

  it('pages a timeline with limit and afterSeq', async () => {
    const incidentId = randomUUID();
    for (let i = 0; i < 5; i++) await audit.append({ chainId: incidentChainId(incidentId), type: 'step', actor: 'worker', data: { i } });
    expect((await audit.timeline(incidentId, { limit: 2, afterSeq: 0 })).map((e) => e.seq)).toEqual([1, 2]);
    expect((await audit.timeline(incidentId, { limit: 2, afterSeq: 2 })).map((e) => e.seq)).toEqual([3, 4]);
    expect((await audit.timeline(incidentId, { limit: 2, afterSeq: 4 })).map((e) => e.seq)).toEqual([5]);
    expect(await audit.timeline(randomUUID(), { limit: 2, afterSeq: 0 })).toEqual([]);
  });

  it('stores an event once per idempotency key, also when retries race', async () => {
    const chainId = alertChainId(`fp-${randomUUID()}`);
    const key = `activity:${randomUUID()}:attempt`;
    const first = await audit.append({ chainId, type: 'alert.received', actor: 'ingest', idempotencyKey: key, data: { n: 1 } });
    const again = await audit.append({ chainId, type: 'alert.received', actor: 'ingest', idempotencyKey: key, data: { n: 2 } });
    expect(again).toEqual(first);

    const racingKey = `race:${randomUUID()}`;
    const raced = await Promise.all(
      range(10).map(() => audit.append({ chainId, type: 'alert.retried', actor: 'worker', idempotencyKey: racingKey })),
    );
    expect(new Set(raced.map((r) => r.id)).size).toBe(1);

    // The same key racing on different chains: only one chain gets the event.
    const crossKey = `cross:${randomUUID()}`;
    const otherChains = range(5).map(() => alertChainId(`fp-${randomUUID()}`));
    const crossed = await Promise.all(otherChains.map((c) => audit.append({ chainId: c, type: 'alert.retried', actor: 'worker', idempotencyKey: crossKey })));
    expect(new Set(crossed.map((r) => r.id)).size).toBe(1);

    const [{ count }] = (await ds.query('SELECT count(*)::int AS count FROM audit_events WHERE idempotency_key = ANY($1)', [[key, racingKey, crossKey]])) as { count: number }[];
    expect(count).toBe(3);
    expect(await chainSeqs(chainId)).toEqual([1, 2]);
    expectOk(await audit.verify());
  });

  it("joins the caller's transaction: nothing is stored when it rolls back", async () => {
    const incidentId = randomUUID();
    const chainId = incidentChainId(incidentId);
    await expect(
      ds.transaction(async (manager) => {
        await audit.append({ chainId, type: 'incident.created', actor: 'api', incidentId }, manager);
        throw new Error('intake failed later in the transaction');
      }),
    ).rejects.toThrow('intake failed');
    expect(await chainSeqs(chainId)).toEqual([]);

    const committed = await ds.transaction((manager) => audit.append({ chainId, type: 'incident.created', actor: 'api', incidentId }, manager));
    expect(committed.seq).toBe(1);
    expect(await chainSeqs(chainId)).toEqual([1]);
  });

  it('gives 50 parallel appends to one chain seq 1..50 and verifies', async () => {
    const incidentId = randomUUID();
    const chainId = incidentChainId(incidentId);
    const records = await Promise.all(range(50).map((i) => audit.append({ chainId, type: 'step', actor: 'worker', incidentId, data: { i } })));
    expect(records.map((r) => r.seq).sort((a, b) => a - b)).toEqual(range(50));
    expect(await chainSeqs(chainId)).toEqual(range(50));
    expectOk(await audit.verify());
  });

  it('appends to different chains in parallel, each chain contiguous', async () => {
    const chains = range(10).map(() => incidentChainId(randomUUID()));
    await Promise.all(chains.flatMap((chainId) => range(10).map((i) => audit.append({ chainId, type: 'step', actor: 'worker', data: { i } }))));
    for (const chainId of chains) expect(await chainSeqs(chainId)).toEqual(range(10));
  });

  it('appends to one chain while another chain is held by an open transaction: unrelated incidents never wait on each other', async () => {
    const busy = incidentChainId(randomUUID());
    const free = incidentChainId(randomUUID());
    await audit.append({ chainId: busy, type: 'incident.created', actor: 'test' });
    const holder = ds.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      // Mid-append on `busy`: its head is locked until this transaction ends.
      await audit.append({ chainId: busy, type: 'incident.paged', actor: 'test' }, holder.manager);
      // If appends were serialised across chains, this would wait for the holder and hit the lock timeout.
      const appended = await ds.transaction(async (manager) => {
        await manager.query(`SET LOCAL lock_timeout = '5s'`);
        return audit.append({ chainId: free, type: 'incident.created', actor: 'test' }, manager);
      });
      expect(appended).toMatchObject({ chainId: free, seq: 1 });
    } finally {
      await holder.commitTransaction();
      await holder.release();
    }
    expect(await chainSeqs(busy)).toEqual([1, 2]);
  });

  it('verifies a consistent snapshot while appends and checkpoints commit', async () => {
    const chains = range(5).map(() => incidentChainId(randomUUID()));
    const appends = Promise.all(chains.flatMap((chainId) => range(30).map((i) => audit.append({ chainId, type: 'step', actor: 'worker', data: { i } }))));
    // Each its own run (AuditLog.verify would let concurrent callers share one): before, during and after.
    const verify = () => verifyAuditLog(ds, 100, new Date());
    const reports = await Promise.all([verify(), audit.checkpoint().then(verify), appends.then(verify)]);
    expect(new Set(reports).size).toBe(3);
    for (const report of reports) expectOk(report);
  });

  it('writes checkpoints chained to each other, as the app role', async () => {
    await audit.append({ chainId: incidentChainId(randomUUID()), type: 'step', actor: 'worker' });
    const first = await audit.checkpoint();
    const second = await audit.checkpoint();
    expect(second.seq).toBeGreaterThan(first.seq);
    expect(first.chains).toBeGreaterThanOrEqual(1);
    expect(first.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const report = await audit.verify();
    expectOk(report);
    expect(report.checkpoints).toBeGreaterThanOrEqual(2);
  });

  it('rejects input it could not read back exactly, before touching the database', async () => {
    await expect(audit.append({ chainId: 'system', type: 'x', actor: 'y', data: { v: NaN } })).rejects.toThrow(/not a JSON number/);
    await expect(audit.append({ chainId: 'bad chain', type: 'x', actor: 'y' })).rejects.toThrow(/chainId/);
  });
});
