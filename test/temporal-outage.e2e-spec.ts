import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alert, eventually, TestTemporal, testTelemetry, Vigil } from './support/vigil-harness';
import { findFreePort } from '../libs/dev-stack';
import { incidentStateQuery, VigilSeverity } from '../libs/contracts';
import { createScratchDatabase } from './support/test-database';
import { traceHolds } from './support/spans';

/** Intake must not depend on Temporal: alerts are accepted into the outbox and their workflows start once Temporal is back. */
describe('while Temporal is down', () => {
  const exporter = new InMemorySpanExporter();
  let dataDir: string;
  let temporal: TestTemporal;
  let vigil: Vigil;
  /** One delivery at a time and room for two more: the rest of a burst must wait in PostgreSQL. Its own task queue keeps its worker off the other's workflows. */
  let smallQueue: Vigil;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-outage-'));
    temporal = await TestTemporal.start({ dbFilename: join(dataDir, 'temporal.sqlite') });
    const env = { LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' };
    [vigil, smallQueue] = await Promise.all([
      Vigil.start({ temporalAddress: temporal.address, telemetry: testTelemetry({ spanExporter: exporter }), env }),
      Vigil.start({ temporalAddress: temporal.address, env: { ...env, VIGIL_OUTBOX_CONCURRENCY: '1', VIGIL_OUTBOX_MAX_QUEUED: '2', TEMPORAL_TASK_QUEUE: 'vigil-small-queue' } }),
    ]);
  });
  afterAll(async () => {
    await vigil?.stop();
    await smallQueue?.stop();
    await temporal?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The outbox gauges as Prometheus scrapes them from /metrics. */
  async function scrapeOutbox(from = vigil): Promise<{ pending: number; oldestAgeSeconds: number; queued: number }> {
    const text = await (await from.fetch('/metrics')).text();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    return { pending: gauge('vigil_outbox_pending'), oldestAgeSeconds: gauge('vigil_outbox_oldest_age_seconds'), queued: gauge('vigil_outbox_dispatch_queued') };
  }

  it('accepts alerts with 202, and after Temporal is back their workflows exist, run, and continue the request traces', async () => {
    await temporal.stop({ holdPort: true });
    const accepted: Array<{ incidentId: string; workflowId: string; traceId: string }> = [];
    for (let i = 0; i < 3; i++) {
      const response = await vigil.json('/api/v1/alerts', { body: alert() });
      expect(response.status).toBe(202);
      accepted.push(response.body.alerts[0]);
    }
    // Every command has been tried and has failed, and is still waiting in PostgreSQL.
    const outbox = await eventually(async () => {
      const rows = await vigil.ownerQuery<{ dispatched_at: Date | null; attempts: number; last_error: string | null }>(
        `SELECT dispatched_at, attempts, last_error FROM workflow_outbox WHERE incident_id = ANY($1)`,
        [accepted.map((a) => a.incidentId)],
      );
      return rows.length === 3 && rows.every((row) => row.attempts >= 1) ? rows : undefined;
    }, 'failed delivery attempts');
    for (const row of outbox) expect(row).toMatchObject({ dispatched_at: null, last_error: expect.any(String) });
    const backlog = await scrapeOutbox();
    expect(backlog.pending).toBeGreaterThanOrEqual(3);
    expect(backlog.oldestAgeSeconds).toBeGreaterThan(0);
    const ready = await vigil.json('/health/ready', { key: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ postgres: { status: 'up' }, temporal: { status: 'down', error: 'cannot be reached' } });
    // Anyone may ask: no address or gRPC message in the answer.
    expect(JSON.stringify(ready.body)).not.toMatch(new RegExp(`${temporal.port}|127\\.0\\.0\\.1|UNAVAILABLE|DEADLINE`));
    // Temporal itself does not answer (not a worker missing): the incident says unreachable.
    const detail = await vigil.json(`/api/v1/incidents/${accepted[0].incidentId}`);
    expect(detail.body.workflow).toMatchObject({ available: false, reason: 'unreachable' });

    await temporal.resume();
    for (const incident of accepted) {
      await eventually(async () => {
        const rows = await vigil.ownerQuery(`SELECT workflow_run_id FROM incidents WHERE id = $1`, [incident.incidentId]);
        return rows[0].workflow_run_id ? true : undefined;
      }, `workflow of ${incident.incidentId} running`, 60_000);
      const description = await vigil.client.workflow.getHandle(incident.workflowId).describe();
      expect(description.status.name).toBe('RUNNING');
      await eventually(async () => traceHolds(exporter, incident.traceId, ['POST /api/v1/alerts', 'SignalWithStartWorkflow', 'RunActivity:recordTransition']), 'the trace continued after the outage');
    }
    await eventually(async () => ((await scrapeOutbox()).pending === 0 ? true : undefined), 'the metrics show the outbox drained');
    const again = await vigil.json(`/api/v1/incidents/${accepted[0].incidentId}/acknowledge`, { method: 'POST' });
    expect(again.status).toBe(200);
  });

  it('says unreachable, not that no worker answered, while Temporal is frozen with its connections open, and readiness that it does not answer', async () => {
    const { incidentId } = (await vigil.json('/api/v1/alerts', { body: alert() })).body.alerts[0];
    const workflowOf = async () => (await vigil.json(`/api/v1/incidents/${incidentId}`)).body.workflow;
    await eventually(async () => ((await workflowOf()).available ? true : undefined), 'the workflow answering');
    temporal.freeze();
    try {
      expect(await workflowOf()).toMatchObject({ available: false, reason: 'unreachable' });
      // Connected, but no answer: readiness says so, not that Temporal cannot be reached.
      const ready = await vigil.json('/health/ready', { key: null });
      expect({ status: ready.status, temporal: ready.body.checks.temporal }).toEqual({ status: 503, temporal: { status: 'down', error: 'no answer within 2000 ms' } });
    } finally {
      temporal.thaw();
    }
    await eventually(async () => ((await workflowOf()).available ? true : undefined), 'the workflow answering once Temporal is back', 60_000);
  });

  it('delivers a command twice without harm: a stale severity redelivered does not roll the incident back', async () => {
    const service = `redelivery-${Date.now()}`;
    const withSeverity = (severity: string) => alert({ labels: { service, severity } });
    const dispatched = async (incidentId: string, count: number) =>
      eventually(async () => {
        const rows = await vigil.ownerQuery(`SELECT id FROM workflow_outbox WHERE incident_id = $1 AND dispatched_at IS NOT NULL`, [incidentId]);
        return rows.length === count ? true : undefined;
      }, `${count} commands dispatched`);
    const [first] = (await vigil.json('/api/v1/alerts', { body: withSeverity('critical') })).body.alerts;
    await dispatched(first.incidentId, 1);
    await vigil.json('/api/v1/alerts', { body: withSeverity('warning') });
    await dispatched(first.incidentId, 2);
    await vigil.json('/api/v1/alerts', { body: withSeverity('high') });
    await dispatched(first.incidentId, 3);

    // Redeliver the 'warning' command: as if the process crashed after Temporal took it but before PostgreSQL recorded it.
    const [stale] = await vigil.ownerQuery<{ id: string }>(
      `UPDATE workflow_outbox SET dispatched_at = NULL, next_attempt_at = now()
        WHERE incident_id = $1 AND payload->'command'->>'severity' = 'warning' RETURNING id`,
      [first.incidentId],
    );
    expect(stale).toBeDefined();
    await eventually(async () => {
      const rows = await vigil.ownerQuery(`SELECT dispatched_at, attempts FROM workflow_outbox WHERE id = $1`, [stale.id]);
      return rows[0]?.dispatched_at && rows[0].attempts >= 2 ? true : undefined;
    }, 'redelivery');

    // The update runs after every signal already in the history, the redelivered one included.
    const acknowledged = await vigil.json(`/api/v1/incidents/${first.incidentId}/acknowledge`, { method: 'POST' });
    expect(acknowledged.status).toBe(200);
    const detail = await vigil.json(`/api/v1/incidents/${first.incidentId}`);
    expect(detail.body.severity).toBe('high');
    expect(detail.body.workflow.state).toMatchObject({ status: 'acknowledged', severity: 'high' });
    const description = await vigil.client.workflow.getHandle(first.workflowId).describe();
    expect(description.typedSearchAttributes.get(VigilSeverity)).toBe('high');
  });

  it("delivers one incident's commands in outbox order across API processes: a resolve waits for the severity change another process could not deliver", async () => {
    // Two API processes on one database: one reaches Temporal, the other (no worker) is cut off from it.
    const scratch = await createScratchDatabase('vigil_e2e');
    const database = { appUrl: scratch.appUrl, ownerUrl: scratch.ownerUrl };
    const env = { LOG_LEVEL: 'silent', TEMPORAL_TASK_QUEUE: `two-apis-${Date.now()}` };
    const reaching = await Vigil.start({ temporalAddress: temporal.address, database, env });
    const cutOff = await Vigil.start({ temporalAddress: `127.0.0.1:${await findFreePort()}`, database, env, worker: false });
    let cutOffRunning = true;
    try {
      const warning = alert({ labels: { severity: 'warning' } });
      const [opened] = (await reaching.json('/api/v1/alerts', { body: warning })).body.alerts;
      await eventually(async () => ((await reaching.json(`/api/v1/incidents/${opened.incidentId}`)).body.workflow.available ? true : undefined), 'the workflow running');

      expect((await cutOff.json('/api/v1/alerts', { body: { ...warning, labels: { ...warning.labels, severity: 'critical' } } })).status).toBe(202);
      const failedOnce = `SELECT 1 FROM workflow_outbox WHERE incident_id = $1 AND payload->'command'->>'kind' = 'severity' AND attempts > 0`;
      await eventually(async () => ((await reaching.ownerQuery(failedOnce, [opened.incidentId])).length ? true : undefined), 'the cut-off process failing to deliver');
      await cutOff.stop();
      cutOffRunning = false;
      expect((await reaching.json('/api/v1/alerts', { body: { ...warning, status: 'resolved' } })).body.alerts[0].outcome).toBe('resolved');

      await eventually(async () => {
        const undelivered = await reaching.ownerQuery(`SELECT id FROM workflow_outbox WHERE incident_id = $1 AND dispatched_at IS NULL`, [opened.incidentId]);
        return undelivered.length === 0 ? true : undefined;
      }, 'every command delivered');
      const handle = reaching.client.workflow.getHandle(opened.workflowId);
      // The closed run took the severity change before the resolve, as PostgreSQL committed them.
      expect(await handle.query(incidentStateQuery)).toMatchObject({ status: 'resolved', severity: 'critical' });
      expect((await handle.describe()).typedSearchAttributes.get(VigilSeverity)).toBe('critical');
      const notes = await reaching.ownerQuery(`SELECT last_error FROM workflow_outbox WHERE incident_id = $1 ORDER BY id`, [opened.incidentId]);
      expect(notes.map((row) => row.last_error)).not.toContain('workflow already closed');
    } finally {
      if (cutOffRunning) await cutOff.stop();
      await reaching.stop();
      await scratch.drop();
    }
  });

  it('keeps at most VIGIL_OUTBOX_MAX_QUEUED commands in memory during an outage, and delivers the rest from PostgreSQL once Temporal is back', async () => {
    await temporal.stop({ holdPort: true });
    const burst = await smallQueue.json('/api/v1/alerts', { body: Array.from({ length: 8 }, () => alert()) });
    expect(burst.status).toBe(202);
    const incidents: string[] = burst.body.alerts.map((a: { incidentId: string }) => a.incidentId);
    expect(new Set(incidents).size).toBe(8);
    const queued: number[] = [];
    for (let i = 0; i < 10; i++) queued.push((await scrapeOutbox(smallQueue)).queued);
    expect(Math.max(...queued)).toBeLessThanOrEqual(2);

    await temporal.resume();
    await eventually(async () => {
      const rows = await smallQueue.ownerQuery(`SELECT id FROM incidents WHERE id = ANY($1) AND workflow_run_id IS NOT NULL`, [incidents]);
      return rows.length === 8 ? true : undefined;
    }, 'all eight workflows running', 90_000);
    expect(await scrapeOutbox(smallQueue)).toMatchObject({ pending: 0, queued: 0 });
  });
});
