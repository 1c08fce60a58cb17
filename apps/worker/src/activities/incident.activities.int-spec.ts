import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuditLog, incidentChainId } from '../../../../libs/audit';
import { openDataSource, testDatabaseUrls } from '../../../../test/support/test-database';
import { incidentWorkflowId } from '../../../../libs/contracts';
import { createIncidentActivities } from './incident.activities';

describe('recordTransition on PostgreSQL', () => {
  let ds: DataSource;
  let activities: ReturnType<typeof createIncidentActivities>;

  beforeAll(async () => {
    ds = await openDataSource(testDatabaseUrls().appUrl);
    activities = createIncidentActivities({ dataSource: ds, auditLog: new AuditLog(ds) });
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  async function openIncident(): Promise<string> {
    const id = randomUUID();
    await ds.query(
      `INSERT INTO incidents (id, fingerprint, status, severity, service, alertname, title, labels, occurrence_count,
                              first_seen_at, last_seen_at, workflow_id, created_at, updated_at)
       VALUES ($1, $2, 'triggered', 'high', 'checkout', 'HighErrorRate', 'HighErrorRate on checkout', '{}', 1, now(), now(), $3, now(), now())`,
      [id, randomUUID().replace(/-/g, ''), incidentWorkflowId(id)],
    );
    return id;
  }

  /** An attempt as the worker runs it: inside the incident's workflow execution. */
  function attempt(incidentId: string, attemptNumber: number) {
    return new MockActivityEnvironment({ attempt: attemptNumber, workflowExecution: { workflowId: incidentWorkflowId(incidentId), runId: 'run-1' } });
  }

  async function incident(id: string) {
    const [row] = (await ds.query(`SELECT status, acknowledged_at, acknowledged_by, workflow_run_id FROM incidents WHERE id = $1`, [id])) as Array<Record<string, unknown>>;
    return row;
  }

  async function statusChanges(id: string) {
    return (await ds.query(`SELECT data, actor FROM audit_events WHERE chain_id = $1 AND type = 'incident.status_changed' ORDER BY seq`, [incidentChainId(id)])) as Array<{
      data: { from: string; to: string; recordAlready?: unknown };
      actor: string;
    }>;
  }

  // Runs since the transition-key-per-run patch give the key; older ones leave it to the activity.
  it.each([
    ['its run', (id: string) => `${incidentWorkflowId(id)}:run-1:transition:1`],
    ['no key (a run of older code)', () => undefined],
  ])('records a transition once when a retried attempt runs it again (the first committed, but its completion was lost), keyed by %s', async (_keyed, keyOf) => {
    const id = await openIncident();
    const input = { incidentId: id, from: 'triggered' as const, to: 'acknowledged' as const, actor: 'alice', transitionIndex: 1, idempotencyKey: keyOf(id) };
    await attempt(id, 1).run(activities.recordTransition, input);
    const first = await incident(id);
    await attempt(id, 2).run(activities.recordTransition, { ...input, actor: 'alice-retry' });

    expect(await incident(id)).toEqual(first);
    expect(first).toMatchObject({ status: 'acknowledged', acknowledged_by: 'alice', workflow_run_id: 'run-1' });
    expect(await statusChanges(id)).toEqual([{ data: { from: 'triggered', to: 'acknowledged' }, actor: 'alice' }]);
  });

  it('never moves an incident back: an acknowledgement recorded after intake resolved it leaves it resolved', async () => {
    const id = await openIncident();
    await ds.query(`UPDATE incidents SET status = 'resolved', resolved_at = now(), resolved_by = 'ingest' WHERE id = $1`, [id]);
    await attempt(id, 1).run(activities.recordTransition, { incidentId: id, from: 'triggered' as const, to: 'acknowledged' as const, actor: 'bob', transitionIndex: 1 });
    expect(await incident(id)).toMatchObject({ status: 'resolved' });
    // The workflow's own step is still on record, with what the record already said.
    expect(await statusChanges(id)).toEqual([
      { data: { from: 'triggered', to: 'acknowledged', recordAlready: { status: 'resolved', by: 'ingest', at: expect.any(String) } }, actor: 'bob' },
    ]);
  });

  it('names who resolved the record first when a resolved alert beat the resolve the workflow took', async () => {
    const id = await openIncident();
    await ds.query(`UPDATE incidents SET status = 'resolved', resolved_at = now(), resolved_by = 'apikey:alertmanager' WHERE id = $1`, [id]);
    const [{ resolved_at: resolvedAt }] = await ds.query(`SELECT resolved_at FROM incidents WHERE id = $1`, [id]);
    await attempt(id, 1).run(activities.recordTransition, { incidentId: id, from: 'triggered' as const, to: 'resolved' as const, actor: 'apikey:oncall', transitionIndex: 2 });

    const [row] = await ds.query(`SELECT resolved_by FROM incidents WHERE id = $1`, [id]);
    expect(row.resolved_by).toBe('apikey:alertmanager');
    expect(await statusChanges(id)).toEqual([
      { data: { from: 'triggered', to: 'resolved', recordAlready: { status: 'resolved', by: 'apikey:alertmanager', at: resolvedAt.toISOString() } }, actor: 'apikey:oncall' },
    ]);
  });

  it("adds nothing to the workflow's step when the record got there by the same hand (a resolved alert, then its resolve command)", async () => {
    const id = await openIncident();
    await attempt(id, 1).run(activities.recordTransition, { incidentId: id, from: null, to: 'triggered' as const, actor: 'vigil', transitionIndex: 1 });
    await ds.query(`UPDATE incidents SET status = 'resolved', resolved_at = now(), resolved_by = 'apikey:alertmanager' WHERE id = $1`, [id]);
    await attempt(id, 1).run(activities.recordTransition, { incidentId: id, from: 'triggered' as const, to: 'resolved' as const, actor: 'apikey:alertmanager', transitionIndex: 2 });
    expect(await statusChanges(id)).toEqual([
      { data: { from: null, to: 'triggered' }, actor: 'vigil' },
      { data: { from: 'triggered', to: 'resolved' }, actor: 'apikey:alertmanager' },
    ]);
  });

  it("keeps the time the workflow took a transition as the record's, however late it is recorded; without one (a run of older code), the time it is recorded", async () => {
    const id = await openIncident();
    const tookAt = new Date(Date.now() - 60_000).toISOString();
    await attempt(id, 1).run(activities.recordTransition, { incidentId: id, from: 'triggered' as const, to: 'acknowledged' as const, actor: 'alice', transitionIndex: 1, at: tookAt });
    await attempt(id, 1).run(activities.recordTransition, { incidentId: id, from: 'acknowledged' as const, to: 'resolved' as const, actor: 'alice', transitionIndex: 2 });
    const [row] = await ds.query(`SELECT acknowledged_at, now() - resolved_at < interval '1 minute' AS resolved_just_now FROM incidents WHERE id = $1`, [id]);
    expect({ acknowledgedAt: (row.acknowledged_at as Date).toISOString(), resolvedJustNow: row.resolved_just_now }).toEqual({ acknowledgedAt: tookAt, resolvedJustNow: true });
  });

  it("takes PostgreSQL's time instead of a transition time ahead of it (a Temporal host whose clock is ahead)", async () => {
    const id = await openIncident();
    const ahead = new Date(Date.now() + 3_600_000).toISOString();
    await attempt(id, 1).run(activities.recordTransition, { incidentId: id, from: 'triggered' as const, to: 'acknowledged' as const, actor: 'alice', transitionIndex: 1, at: ahead });
    const [row] = await ds.query(`SELECT acknowledged_at <= now() AS not_ahead FROM incidents WHERE id = $1`, [id]);
    expect(row.not_ahead).toBe(true);
  });

  it("records a cancelled run's closing once when a retried attempt runs it again, with no cancel request when the history cannot be read", async () => {
    const id = await openIncident();
    const input = { incidentId: id, reason: 'cancelled' as const, status: 'triggered' as const, idempotencyKey: `${incidentWorkflowId(id)}:run-1:closed` };
    // A MockActivityEnvironment has no Temporal client: the run's history cannot be read.
    await attempt(id, 1).run(activities.recordWorkflowClosed, input);
    await attempt(id, 2).run(activities.recordWorkflowClosed, input);
    const closes = await ds.query(`SELECT actor, run_id, data FROM audit_events WHERE chain_id = $1 AND type = 'workflow.closed'`, [incidentChainId(id)]);
    expect(closes).toEqual([{ actor: 'temporal', run_id: 'run-1', data: { reason: 'cancelled', status: 'triggered', cancelRequest: null } }]);
    expect(await incident(id)).toMatchObject({ status: 'triggered' });
  });
});
