import { NativeConnection, Worker } from '@temporalio/worker';
import { incidentStateQuery } from '../libs/contracts';
import { liveStateSchema } from '../apps/api/src/incidents/incident.view';
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
    vigil = await Vigil.start({ temporalAddress: temporal.address, worker: false, env: { TEMPORAL_TASK_QUEUE: taskQueue, VIGIL_UPDATE_TIMEOUT_MS: '2000' } });
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

  it('says the workflow is not making progress also while Temporal still holds the change (its task failing its first times)', async () => {
    const [accepted] = (await vigil.json('/api/v1/alerts', { body: alert() })).body.alerts;
    const handle = vigil.client.workflow.getHandle(accepted.workflowId);
    // Retried at once after its first failure, then after a pause: meanwhile Temporal holds updates rather than refuse them.
    await eventually(async () => (((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) >= 2 ? true : undefined), 'the workflow task failing');

    const ack = await vigil.json(`/api/v1/incidents/${accepted.incidentId}/acknowledge`, { body: { note: 'on it' } });
    expect(ack.status).toBe(503);
    expect(ack.headers.get('retry-after')).toBe('5');
    expect(problemSchema.parse(ack.body).detail).toContain("the incident's workflow is not making progress: its workflow tasks are failing");
    expect((await updateEvents(vigil, accepted.incidentId)).map((e) => e.data.outcome)[0]).toBe('requested');
    expect((await vigil.json(`/api/v1/incidents/${accepted.incidentId}`)).body).toMatchObject({ status: 'triggered' });
  });
});

/**
 * Terminated in the Temporal UI (or the CLI) while an acknowledge is being recorded: the update
 * fails, and its recordTransition activity, already under way, may still write the change. The
 * answer says what the record shows.
 */
describe('an incident workflow terminated while it records an acknowledge', () => {
  let temporal: TestTemporal;
  let vigil: Vigil;

  beforeAll(async () => {
    temporal = await TestTemporal.start();
    vigil = await Vigil.start({ temporalAddress: temporal.address });
  });
  afterAll(async () => {
    await vigil?.stop();
    await temporal?.stop();
  });

  /** An incident whose workflow has recorded its triggered state. */
  async function runningIncident(): Promise<{ incidentId: string; workflowId: string }> {
    const [accepted] = (await vigil.json('/api/v1/alerts', { body: alert() })).body.alerts;
    const handle = vigil.client.workflow.getHandle(accepted.workflowId);
    await eventually(async () => ((await handle.query(incidentStateQuery)).transitions.length === 1 ? true : undefined), 'the workflow running');
    await eventually(async () => ((await vigil.ownerQuery(`SELECT 1 FROM incidents WHERE id = $1 AND workflow_run_id IS NOT NULL`, [accepted.incidentId])).length ? true : undefined), 'the triggered state recorded');
    return accepted;
  }

  it('answers 200 with the acknowledged state when the activity under way recorded it, and audits it as accepted', async () => {
    const { incidentId, workflowId } = await runningIncident();
    const handle = vigil.client.workflow.getHandle(workflowId);
    const lock = await vigil.ownerConnection();
    let ack: Promise<{ status: number; body: any }>;
    try {
      // The acknowledge's activity waits on the incident's row while the workflow is terminated.
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE', [incidentId]);
      ack = vigil.json(`/api/v1/incidents/${incidentId}/acknowledge`, { body: { note: 'on it' } });
      await eventually(async () => ((await handle.query(incidentStateQuery)).status === 'acknowledged' ? true : undefined), 'the acknowledge taken');
      await eventually(async () => {
        const waiting = await vigil.ownerQuery(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE incidents%'`);
        return waiting.length ? true : undefined;
      }, 'the activity waiting on the row');
      await handle.terminate('stopped by hand in the Temporal UI');
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }

    const answer = await ack;
    expect(answer.status).toBe(200);
    expect(liveStateSchema.parse(answer.body)).toMatchObject({ incidentId, status: 'acknowledged' });
    expect(answer.body.transitions.at(-1)).toMatchObject({ from: 'triggered', to: 'acknowledged', actor: expect.stringMatching(/^apikey:/) });
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    expect((await vigil.json(`/api/v1/incidents/${incidentId}`)).body).toMatchObject({ status: 'acknowledged', acknowledgedBy: expect.stringMatching(/^apikey:/) });

    const { runId } = await handle.describe();
    const events = await updateEvents(vigil, incidentId);
    expect(events.map((e) => [e.runId, e.data])).toEqual([
      [null, { update: 'acknowledge', updateId: expect.any(String), outcome: 'requested', note: 'on it' }],
      [runId, { update: 'acknowledge', updateId: events[0].data.updateId, outcome: 'accepted', note: 'on it', reason: "the incident's workflow was terminated outside Vigil once it had recorded the change" }],
    ]);
    expect((await vigil.json('/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  /**
   * Runs `work` while PostgreSQL refuses the workflow's recording of the incident's change to `to`
   * (its audit event: the activity's transaction fails, to be retried), and then asks for that change
   * and terminates the workflow once an attempt has failed. Answers the request's answer.
   */
  async function terminatedWhileRecordingFails(incidentId: string, workflowId: string, action: 'acknowledge' | 'resolve', to: string): Promise<{ status: number; body: any }> {
    // A state change the API writes itself (resolved without the workflow) says how the workflow ended: that one passes.
    await vigil.ownerQuery(`
      CREATE FUNCTION refuse_recording() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.incident_id = '${incidentId}' AND NEW.type = 'incident.status_changed' AND NEW.data->>'to' = '${to}' AND NOT NEW.data ? 'workflow' THEN
          RAISE EXCEPTION 'event refused for this test';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_recording BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_recording();`);
    try {
      const answer = vigil.json(`/api/v1/incidents/${incidentId}/${action}`, { body: { note: 'on it' } });
      await eventually(async () => {
        const { body } = await vigil.json(`/api/v1/incidents/${incidentId}/audit?limit=200`);
        // The second recordTransition of the run (the first recorded the triggered state).
        return body.events.some((e: { type: string; data: { activityId?: string } }) => e.type === 'activity.failed' && e.data.activityId === '2') ? true : undefined;
      }, `the recording of the ${action} failing`);
      await vigil.client.workflow.getHandle(workflowId).terminate('stopped by hand in the Temporal UI');
      return await answer;
    } finally {
      await vigil.ownerQuery('DROP TRIGGER refuse_recording ON audit_events; DROP FUNCTION refuse_recording();');
    }
  }

  it('answers 409 saying the workflow was terminated outside Vigil when the change was not recorded, audits it as failed, and the incident can still be resolved', async () => {
    const { incidentId, workflowId } = await runningIncident();
    const handle = vigil.client.workflow.getHandle(workflowId);
    const answer = await terminatedWhileRecordingFails(incidentId, workflowId, 'acknowledge', 'acknowledged');

    expect(answer.status).toBe(409);
    expect(problemSchema.parse(answer.body).detail).toContain("the incident's workflow was terminated outside Vigil before it recorded the change");
    expect(answer.body).toMatchObject({ currentStatus: 'triggered', requestedStatus: 'acknowledged' });
    expect((await vigil.json(`/api/v1/incidents/${incidentId}`)).body).toMatchObject({ status: 'triggered', acknowledgedBy: null });
    const { runId } = await handle.describe();
    const events = await updateEvents(vigil, incidentId);
    expect(events.map((e) => [e.runId, e.data])).toEqual([
      [null, { update: 'acknowledge', updateId: expect.any(String), outcome: 'requested', note: 'on it' }],
      [runId, { update: 'acknowledge', updateId: events[0].data.updateId, outcome: 'failed', note: 'on it', reason: "the incident's workflow was terminated outside Vigil before it recorded the change" }],
    ]);

    const resolved = await vigil.json(`/api/v1/incidents/${incidentId}/resolve`, { body: { note: 'cleaning up' } });
    expect(resolved.status).toBe(200);
    expect(liveStateSchema.parse(resolved.body).status).toBe('resolved');
    expect((await vigil.json('/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('resolves in PostgreSQL alone when the workflow was terminated before it recorded the resolve, and audits it as accepted', async () => {
    const { incidentId, workflowId } = await runningIncident();
    const answer = await terminatedWhileRecordingFails(incidentId, workflowId, 'resolve', 'resolved');

    expect(answer.status).toBe(200);
    expect(liveStateSchema.parse(answer.body)).toMatchObject({ incidentId, status: 'resolved' });
    expect((await vigil.json(`/api/v1/incidents/${incidentId}`)).body).toMatchObject({ status: 'resolved', resolvedBy: expect.stringMatching(/^apikey:/) });
    const { body } = await vigil.json(`/api/v1/incidents/${incidentId}/audit?limit=200`);
    const changes = body.events.filter((e: { type: string }) => e.type === 'incident.status_changed');
    expect(changes.at(-1)).toMatchObject({
      data: { from: 'triggered', to: 'resolved', note: 'on it', workflow: "the incident's workflow was terminated outside Vigil before it recorded the change; resolved without it" },
    });
    const events = await updateEvents(vigil, incidentId);
    expect(events.map((e) => e.data.outcome)).toEqual(['requested', 'accepted']);
    expect((await vigil.json('/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });
});
