import { NativeConnection, Worker } from '@temporalio/worker';
import { problemSchema } from '../apps/api/src/http/problem';
import { alert, eventually, TestTemporal, Vigil } from './support/vigil-harness';

type UpdateEvent = { runId: string | null; actor: string; data: { outcome: string; updateId: string; note: string | null; reason?: string } };

async function updateEvents(vigil: Vigil, incidentId: string): Promise<UpdateEvent[]> {
  const { body } = await vigil.json(`/api/v1/incidents/${incidentId}/audit?limit=200`);
  return body.events.filter((e: { type: string }) => e.type === 'workflow.update');
}

/**
 * A deploy with a bug in the incident workflow (or a non-determinism error after a code change):
 * each workflow task fails and Temporal retries it for ever, taking no update meanwhile. An
 * acknowledge is a 503 that says the workflow is not making progress, not a 500.
 */
describe('an incident workflow whose workflow tasks keep failing', () => {
  let temporal: TestTemporal;
  let vigil: Vigil;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `failing-tasks-${Date.now()}`;

  beforeAll(async () => {
    temporal = await TestTemporal.start();
    // Vigil's own worker would run the real workflow: the test's worker runs the broken one on this task queue.
    vigil = await Vigil.start({ temporalAddress: temporal.address, worker: false, env: { TEMPORAL_TASK_QUEUE: taskQueue } });
    connection = await NativeConnection.connect({ address: temporal.address });
    worker = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('./support/broken-workflows') });
    running = worker.run();
  });
  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection?.close();
    await vigil?.stop();
    await temporal?.stop();
  });

  it('answers an acknowledge 503 saying the workflow is not making progress, audits it as undelivered, and changes nothing', async () => {
    const [accepted] = (await vigil.json('/api/v1/alerts', { body: alert() })).body.alerts;
    const handle = vigil.client.workflow.getHandle(accepted.workflowId);
    // Temporal refuses updates once a run's workflow task has failed a few times over (until then it holds them).
    await eventually(async () => (((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) >= 3 ? true : undefined), 'the workflow task failing again and again', 60_000);

    const ack = await vigil.json(`/api/v1/incidents/${accepted.incidentId}/acknowledge`, { body: { note: 'on it' } });
    expect(ack.status).toBe(503);
    expect(ack.headers.get('content-type')).toContain('application/problem+json');
    expect(ack.headers.get('retry-after')).toBe('5');
    const { detail } = problemSchema.parse(ack.body);
    expect(detail).toContain("the incident's workflow is not making progress: its workflow tasks are failing");
    expect(detail).toContain("see the worker's log, or the workflow's history in the Temporal UI");

    const events = await updateEvents(vigil, accepted.incidentId);
    expect(events.map((e) => e.data)).toEqual([
      { update: 'acknowledge', updateId: expect.any(String), outcome: 'requested', note: 'on it' },
      { update: 'acknowledge', updateId: events[0].data.updateId, outcome: 'undelivered', note: 'on it', reason: expect.stringContaining('nothing was changed') },
    ]);
    expect((await vigil.json(`/api/v1/incidents/${accepted.incidentId}`)).body).toMatchObject({ status: 'triggered', acknowledgedBy: null });
    expect((await vigil.json('/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });
});
