import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alert, eventually, TestTemporal, testTelemetry, Vigil } from './support/vigil-harness';
import { traceHolds } from './support/spans';

/** Intake must not depend on Temporal: alerts are accepted into the outbox and their workflows start once Temporal is back. */
describe('while Temporal is down', () => {
  const exporter = new InMemorySpanExporter();
  let dataDir: string;
  let temporal: TestTemporal;
  let vigil: Vigil;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-outage-'));
    temporal = await TestTemporal.start({ dbFilename: join(dataDir, 'temporal.sqlite') });
    vigil = await Vigil.start({ temporalAddress: temporal.address, telemetry: testTelemetry({ spanExporter: exporter }), env: { LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' } });
  });
  afterAll(async () => {
    await vigil?.stop();
    await temporal?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

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
    const ready = await vigil.json('/health/ready', { key: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ postgres: { status: 'up' }, temporal: { status: 'down' } });

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
    const again = await vigil.json(`/api/v1/incidents/${accepted[0].incidentId}/acknowledge`, { method: 'POST' });
    expect(again.status).toBe(200);
  });

  it('delivers a command twice without harm: the workflow applies it once', async () => {
    const [first] = (await vigil.json('/api/v1/alerts', { body: alert() })).body.alerts;
    await eventually(async () => {
      const rows = await vigil.ownerQuery(`SELECT dispatched_at FROM workflow_outbox WHERE incident_id = $1`, [first.incidentId]);
      return rows[0]?.dispatched_at ? true : undefined;
    }, 'first dispatch');
    // Redeliver: as if the process crashed after Temporal took the command but before PostgreSQL recorded it.
    await vigil.ownerQuery(`UPDATE workflow_outbox SET dispatched_at = NULL, next_attempt_at = now() WHERE incident_id = $1`, [first.incidentId]);
    await eventually(async () => {
      const rows = await vigil.ownerQuery(`SELECT dispatched_at, attempts FROM workflow_outbox WHERE incident_id = $1`, [first.incidentId]);
      return rows[0]?.dispatched_at && rows[0].attempts >= 2 ? true : undefined;
    }, 'redelivery');
    const detail = await vigil.json(`/api/v1/incidents/${first.incidentId}`);
    expect(detail.body.workflow.state).toMatchObject({ status: 'triggered', lastCommandSeq: expect.any(Number) });
    expect(detail.body.workflow.state.transitions).toHaveLength(1);
    const events = await vigil.ownerQuery<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE incident_id = $1 AND type = 'workflow.signaled'`,
      [first.incidentId],
    );
    expect(events[0].n).toBe(1);
  });
});
