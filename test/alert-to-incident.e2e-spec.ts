import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { incidentStateQuery, incidentWorkflowId, VigilService, VigilSeverity, VigilStatus } from '../libs/contracts';
import { acceptedAlertsSchema } from '../apps/api/src/alerts/alert.schema';
import { timelineSchema, verifyReportSchema } from '../apps/api/src/audit/audit.controller';
import { problemSchema } from '../apps/api/src/http/problem';
import { alertPageSchema } from '../apps/api/src/incidents/alert.view';
import { incidentDetailSchema, incidentPageSchema, liveStateSchema } from '../apps/api/src/incidents/incident.view';
import { createScratchDatabase } from './support/test-database';
import { alert, eventually, TestTemporal, Vigil } from './support/vigil-harness';

/**
 * The whole path a user sees: alert in → incident → workflow → ack/resolve → audit, on real
 * Temporal and PostgreSQL. Answers are also parsed with the (strict) schemas the OpenAPI document
 * is made from, so the document describes what the API really sends.
 */
describe('alert to incident', () => {
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

  async function send(body: unknown, headers: Record<string, string> = {}) {
    const response = await vigil.json('/api/v1/alerts', { body, headers });
    expect(response.status).toBe(202);
    acceptedAlertsSchema.parse(response.body);
    return response.body.alerts as Array<Record<string, any>>;
  }

  /** A service's incidents, two per page, following nextCursor to the end. */
  async function pagesOf(service: string): Promise<Array<{ id: string; alertname: string }>> {
    const items: Array<{ id: string; alertname: string }> = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Array<{ id: string; alertname: string }>; nextCursor: string | null } } = await vigil.json(
        `/api/v1/incidents?service=${service}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      incidentPageSchema.parse(page.body);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return items;
  }

  /**
   * As PostgreSQL failing at one moment: audit events that match `condition` (SQL on NEW) are
   * refused, everything else is written, until `work` is done.
   */
  async function refusingAuditEvents(condition: string, work: () => Promise<void>): Promise<void> {
    await vigil.ownerQuery(`
      CREATE FUNCTION refuse_audit_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF ${condition} THEN RAISE EXCEPTION 'event refused for this test'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_audit_events BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit_events();`);
    try {
      await work();
    } finally {
      await vigil.ownerQuery('DROP TRIGGER refuse_audit_events ON audit_events; DROP FUNCTION refuse_audit_events();');
    }
  }

  async function workflowStatus(incidentId: string): Promise<WorkflowExecutionStatusName> {
    const description = await vigil.client.workflow.getHandle(incidentWorkflowId(incidentId)).describe();
    return description.status.name;
  }

  it('answers 202 with the incident, its workflow, a Temporal UI link and the trace id, and starts the workflow', async () => {
    const service = `checkout-${Date.now()}`;
    const [accepted] = await send(alert({ labels: { service } }));
    expect(accepted).toMatchObject({ outcome: 'created', deduplicated: false, incidentStatus: 'triggered', occurrenceCount: 1 });
    expect(accepted.workflowId).toBe(`incident-${accepted.incidentId}`);
    expect(accepted.temporalUiUrl).toContain(`/workflows/${accepted.workflowId}`);
    expect(accepted.traceId).toMatch(/^[0-9a-f]{32}$/);

    await eventually(async () => ((await workflowStatus(accepted.incidentId)) === 'RUNNING' ? true : undefined), 'workflow running');
    const description = await vigil.client.workflow.getHandle(accepted.workflowId).describe();
    expect(description.typedSearchAttributes.get(VigilService)).toBe(service);
    expect(description.typedSearchAttributes.get(VigilSeverity)).toBe('critical');
    expect(description.typedSearchAttributes.get(VigilStatus)).toBe('triggered');
    expect(await description.staticSummary()).toContain(service);
  });

  it('joins repeats of a firing alert to the open incident without a new workflow, resolves on a resolved alert, and reopens after', async () => {
    const body = alert();
    const [first] = await send(body);
    const [second] = await send(body);
    expect(second).toMatchObject({ incidentId: first.incidentId, outcome: 'deduplicated', deduplicated: true, occurrenceCount: 2 });
    const workflows = await vigil.ownerQuery(`SELECT count(*)::int AS n FROM workflow_outbox WHERE incident_id = $1`, [first.incidentId]);
    expect(workflows[0].n).toBe(1);

    const [resolved] = await send({ ...body, status: 'resolved', startsAt: '2026-11-24T07:00:00.5Z', endsAt: '2026-11-24T07:10:00z' });
    expect(resolved).toMatchObject({ incidentId: first.incidentId, outcome: 'resolved' });
    await eventually(async () => ((await workflowStatus(first.incidentId)) === 'COMPLETED' ? true : undefined), 'workflow completed');
    const incident = await vigil.json(`/api/v1/incidents/${first.incidentId}`);
    expect(incident.body).toMatchObject({ status: 'resolved', occurrenceCount: 2, workflow: { available: true, execution: 'completed', state: { status: 'resolved' } } });
    // The run the workflow started as (later runs, after continue-as-new, share its workflow id).
    expect(incident.body.workflow.firstRunId).toBe((await vigil.client.workflow.getHandle(first.workflowId).describe()).runId);

    const [reopened] = await send(body);
    expect(reopened.outcome).toBe('created');
    expect(reopened.incidentId).not.toBe(first.incidentId);
  });

  it('stores a resolved alert that has no open incident, and opens nothing', async () => {
    const [accepted] = await send({ ...alert(), status: 'resolved' });
    expect(accepted).toMatchObject({ outcome: 'no_open_incident', incidentId: null, workflowId: null, deduplicated: false });
    const rows = await vigil.ownerQuery(`SELECT incident_id, outcome FROM alerts WHERE id = $1`, [accepted.alertId]);
    expect(rows).toEqual([{ incident_id: null, outcome: 'no_open_incident' }]);
    const incidents = await vigil.ownerQuery(`SELECT count(*)::int AS n FROM incidents WHERE fingerprint = $1`, [accepted.fingerprint]);
    expect(incidents[0].n).toBe(0);
  });

  it('treats a severity change as the same incident and updates its severity', async () => {
    const body = alert({ labels: { severity: 'warning' } });
    const [first] = await send(body);
    const [second] = await send({ ...body, labels: { ...body.labels, severity: 'critical' } });
    expect(second).toMatchObject({ incidentId: first.incidentId, outcome: 'deduplicated' });
    await eventually(async () => {
      const description = await vigil.client.workflow.getHandle(first.workflowId).describe();
      return description.typedSearchAttributes.get(VigilSeverity) === 'critical' ? true : undefined;
    }, 'severity search attribute updated');
    expect((await vigil.json(`/api/v1/incidents/${first.incidentId}`)).body.severity).toBe('critical');
    // The timeline says which alert changed it, and from what; a plain repeat changes nothing.
    const [third] = await send({ ...body, labels: { ...body.labels, severity: 'critical' } });
    const received = ((await vigil.json(`/api/v1/incidents/${first.incidentId}/audit`)).body.events as Array<Record<string, any>>).filter((e) => e.type === 'alert.received');
    expect(received.map((e) => [e.data.alertId, e.data.severity, e.data.severityChangedFrom])).toEqual([
      [first.alertId, 'warning', null],
      [second.alertId, 'critical', 'warning'],
      [third.alertId, 'critical', null],
    ]);
    expect((await vigil.json('/api/v1/audit/verify')).body).toMatchObject({ ok: true });
    // What the Temporal UI shows: the summary has no severity to go stale; the current details follow it.
    const handle = vigil.client.workflow.getHandle(first.workflowId);
    expect(await (await handle.describe()).staticSummary()).not.toContain('warning');
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(/^\*\*triggered\*\* by vigil · severity \*\*critical\*\*\n\n/);
  });

  it('delivers one incident\'s commands in the order they were committed: a severity change, then the resolve', async () => {
    const body = alert({ labels: { severity: 'warning' } });
    const [first] = await send(body);
    await eventually(async () => ((await workflowStatus(first.incidentId)) === 'RUNNING' ? true : undefined), 'workflow running');
    // Both commands committed together, dispatched together: the resolve must not overtake the change.
    await send([{ ...body, labels: { ...body.labels, severity: 'critical' } }, { ...body, status: 'resolved' }]);
    const handle = vigil.client.workflow.getHandle(first.workflowId);
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'resolved', severity: 'critical' });
    expect((await handle.describe()).typedSearchAttributes.get(VigilSeverity)).toBe('critical');
  });

  it('stores an alert once for a repeated Idempotency-Key and repeats the first answer, with the incident as it is now', async () => {
    const body = alert();
    const key = `idem-${Date.now()}-${Math.random()}`;
    const [first] = await send(body, { 'idempotency-key': key });
    const [again] = await send(body, { 'idempotency-key': key });
    expect(again).toMatchObject({ alertId: first.alertId, incidentId: first.incidentId, replayed: true });
    const rows = await vigil.ownerQuery(`SELECT count(*)::int AS n FROM alerts WHERE fingerprint = $1`, [first.fingerprint]);
    expect(rows[0].n).toBe(1);
    const incident = await vigil.ownerQuery(`SELECT occurrence_count FROM incidents WHERE id = $1`, [first.incidentId]);
    expect(incident[0].occurrence_count).toBe(1);

    // Later, the first request's alert and outcome still, with the incident as it is now.
    await send([body, { ...body, status: 'resolved' }]);
    const [later] = await send(body, { 'idempotency-key': key });
    // (A resolved alert does not count as an occurrence; the trace is this request's.)
    expect(later).toEqual({ ...first, deduplicated: true, replayed: true, incidentStatus: 'resolved', occurrenceCount: 2, traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('refuses an Idempotency-Key used before for a different request with 422, and stores nothing of it', async () => {
    const key = `idem-${Date.now()}-${Math.random()}`;
    const original = alert();
    const [first] = await send(original, { 'idempotency-key': key });
    const different = alert();
    const refused = await vigil.json('/api/v1/alerts', { body: different, headers: { 'idempotency-key': key } });
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    const service = different.labels.service;
    expect(await vigil.ownerQuery(`SELECT id FROM incidents WHERE service = $1`, [service])).toEqual([]);
    // A batch is a different request from its first alert alone.
    const batch = await vigil.json('/api/v1/alerts', { body: [original, alert()], headers: { 'idempotency-key': key } });
    expect(batch.status).toBe(422);
    // The original request still replays.
    const [again] = await send(original, { 'idempotency-key': key });
    expect(again).toMatchObject({ alertId: first.alertId, replayed: true });
  });

  it('answers each of two concurrent requests with the same Idempotency-Key but different alerts on its own: one stored, one refused', async () => {
    const key = `idem-${Date.now()}-${Math.random()}`;
    const bodies = [alert(), alert()];
    const answers = await Promise.all(bodies.map((body) => vigil.json('/api/v1/alerts', { body, headers: { 'idempotency-key': key } })));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 422]);
    const services = bodies.map((b) => b.labels.service);
    const stored = await vigil.ownerQuery(`SELECT count(*)::int AS n FROM incidents WHERE service = ANY($1)`, [services]);
    expect(stored[0].n).toBe(1);
  });

  it('keeps two senders\' Idempotency-Keys apart: the same key from another API key is a new request', async () => {
    const other = await vigil.json('/api/v1/api-keys', { body: { name: `other-sender-${Date.now()}`, role: 'ingest' } });
    expect(other.status).toBe(201);
    const key = `idem-${Date.now()}-${Math.random()}`;
    const [mine] = await send(alert(), { 'idempotency-key': key });
    const theirs = await vigil.json('/api/v1/alerts', { body: alert(), key: other.body.key, headers: { 'idempotency-key': key } });
    expect(theirs.status).toBe(202);
    expect(theirs.body.alerts[0]).toMatchObject({ outcome: 'created', replayed: false });
    expect(theirs.body.alerts[0].incidentId).not.toBe(mine.incidentId);
  });

  it('opens one incident for many concurrent first alerts with the same fingerprint', async () => {
    const body = alert();
    const responses = await Promise.all(Array.from({ length: 25 }, () => vigil.json('/api/v1/alerts', { body })));
    expect(responses.map((r) => r.status)).toEqual(Array(25).fill(202));
    const incidentIds = new Set(responses.map((r) => r.body.alerts[0].incidentId));
    expect(incidentIds.size).toBe(1);
    expect(responses.filter((r) => r.body.alerts[0].outcome === 'created')).toHaveLength(1);
    const [incidentId] = [...incidentIds];
    const rows = await vigil.ownerQuery(`SELECT occurrence_count FROM incidents WHERE id = $1`, [incidentId]);
    expect(rows[0].occurrence_count).toBe(25);
  });

  it('gives every one of many concurrent requests its own answer: each occurrence counted once, in sequence, and audited', async () => {
    const bodies = [alert(), alert(), alert()];
    // Concurrent requests share intake transactions (group commit): the answers must still be per request.
    const requests = Array.from({ length: 60 }, (_, i) => bodies[i % 3]);
    const responses = await Promise.all(requests.map((body) => vigil.json('/api/v1/alerts', { body })));
    expect(responses.map((r) => r.status)).toEqual(Array(60).fill(202));
    const answers = responses.map((r) => r.body.alerts[0] as Record<string, any>);
    for (const body of bodies) {
      const mine = answers.filter((a, i) => requests[i] === body);
      expect(new Set(mine.map((a) => a.incidentId)).size).toBe(1);
      expect(mine.map((a) => a.occurrenceCount).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(mine.filter((a) => a.outcome === 'created')).toHaveLength(1);
      const received = await vigil.ownerQuery(
        `SELECT count(*)::int AS n, count(DISTINCT data->>'alertId')::int AS alerts FROM audit_events WHERE incident_id = $1 AND type = 'alert.received'`,
        [mine[0].incidentId],
      );
      expect(received[0]).toEqual({ n: 20, alerts: 20 });
      // The incident's alerts, newest first, in the order they were counted, also within one commit.
      const countOf = new Map(mine.map((a) => [a.alertId, a.occurrenceCount]));
      const listed = await vigil.json(`/api/v1/incidents/${mine[0].incidentId}/alerts?limit=100`);
      expect(listed.body.items.map((a: { id: string }) => countOf.get(a.id))).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
    }
    expect((await vigil.json('/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('accepts a batch in one transaction and answers per alert', async () => {
    const a = alert();
    const b = alert();
    const answers = await send([a, b, a]);
    expect(answers.map((x) => x.outcome)).toEqual(['created', 'created', 'deduplicated']);
    expect(answers[2].incidentId).toBe(answers[0].incidentId);
  });

  it('applies a mixed batch in order: repeats, a resolve and reopen, a severity change and a new incident', async () => {
    const [repeated, reopened, escalated, fresh] = [alert(), alert(), alert({ labels: { severity: 'warning' } }), alert()];
    const [opened, toResolve, toEscalate] = await send([repeated, reopened, escalated]);
    const answers = await send([
      repeated,
      { ...reopened, status: 'resolved' },
      repeated,
      reopened,
      { ...escalated, labels: { ...escalated.labels, severity: 'critical' } },
      fresh,
      repeated,
    ]);
    expect(answers.map((a) => [a.outcome, a.occurrenceCount])).toEqual([
      ['deduplicated', 2],
      ['resolved', 1],
      ['deduplicated', 3],
      ['created', 1],
      ['deduplicated', 2],
      ['created', 1],
      ['deduplicated', 4],
    ]);
    expect([answers[0], answers[2], answers[6]].map((a) => a.incidentId)).toEqual(Array(3).fill(opened.incidentId));
    expect(answers[1].incidentId).toBe(toResolve.incidentId);
    expect(answers[3].incidentId).not.toBe(toResolve.incidentId);
    expect(answers[4].incidentId).toBe(toEscalate.incidentId);
    expect((await vigil.json(`/api/v1/incidents/${toEscalate.incidentId}`)).body.severity).toBe('critical');

    const stored = await vigil.ownerQuery(`SELECT outcome FROM alerts WHERE id = ANY ($1::uuid[]) ORDER BY array_position($1::uuid[], id)`, [
      answers.map((a) => a.alertId),
    ]);
    expect(stored.map((row) => row.outcome)).toEqual(answers.map((a) => a.outcome));
    const timeline = await vigil.json(`/api/v1/incidents/${opened.incidentId}/audit`);
    const received = (timeline.body.events as Array<Record<string, any>>).filter((e) => e.type === 'alert.received');
    expect(received.map((e) => e.data.alertId)).toEqual([opened.alertId, answers[0].alertId, answers[2].alertId, answers[6].alertId]);
    expect(received.map((e) => e.data.outcome)).toEqual(['created', 'deduplicated', 'deduplicated', 'deduplicated']);
    expect(received.map((e) => e.data.severityChangedFrom)).toEqual([null, null, null, null]);
    const escalation = ((await vigil.json(`/api/v1/incidents/${toEscalate.incidentId}/audit`)).body.events as Array<Record<string, any>>).filter((e) => e.type === 'alert.received');
    expect(escalation.map((e) => [e.data.alertId, e.data.severityChangedFrom])).toEqual([
      [toEscalate.alertId, null],
      [answers[4].alertId, 'warning'],
    ]);
    expect((await vigil.json('/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('acknowledges and resolves through workflow updates, answering the new state or 409', async () => {
    const [accepted] = await send(alert());
    const id = accepted.incidentId;
    const ack = await vigil.json(`/api/v1/incidents/${id}/acknowledge`, { method: 'POST', body: { note: 'on it' } });
    expect(ack.status).toBe(200);
    expect(liveStateSchema.parse(ack.body).status).toBe('acknowledged');

    const again = await vigil.json(`/api/v1/incidents/${id}/acknowledge`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    problemSchema.parse(again.body);
    expect(again.body).toMatchObject({ status: 409, currentStatus: 'acknowledged' });

    const resolved = await vigil.json(`/api/v1/incidents/${id}/resolve`, { method: 'POST' });
    expect(resolved.status).toBe(200);
    expect(resolved.body.status).toBe('resolved');
    expect((await vigil.json(`/api/v1/incidents/${id}/resolve`, { method: 'POST' })).status).toBe(409);

    const detail = await vigil.json(`/api/v1/incidents/${id}`);
    incidentDetailSchema.parse(detail.body);
    expect(detail.body).toMatchObject({ status: 'resolved', acknowledgedBy: expect.stringContaining('apikey:'), resolvedBy: expect.stringContaining('apikey:') });
    expect(detail.body.links.temporalUi).toContain(accepted.workflowId);
    expect((await vigil.client.workflow.getHandle(accepted.workflowId).describe()).typedSearchAttributes.get(VigilStatus)).toBe('resolved');
  });

  it('answers the new state when the change is made but its "accepted" update event cannot be written, not a retry-inviting 503', async () => {
    const [accepted] = await send(alert());
    const id = accepted.incidentId;
    await eventually(async () => ((await vigil.json(`/api/v1/incidents/${id}`)).body.workflow.available ? true : undefined), 'the incident workflow');
    // The accepted event is refused, as PostgreSQL failing at that moment.
    await refusingAuditEvents(`NEW.incident_id = '${id}' AND NEW.type = 'workflow.update' AND NEW.data->>'outcome' = 'accepted'`, async () => {
      const ack = await vigil.json(`/api/v1/incidents/${id}/acknowledge`, { method: 'POST' });
      expect({ status: ack.status, state: ack.body.status }).toEqual({ status: 200, state: 'acknowledged' });
    });
    // The change itself is on record, with its actor, from the workflow's activity.
    const timeline = await vigil.json(`/api/v1/incidents/${id}/audit`);
    const events = timeline.body.events as Array<{ type: string; actor: string; data: { outcome?: string; to?: string } }>;
    expect(events.filter((event) => event.type === 'workflow.update').map((event) => event.data.outcome)).toEqual(['requested']);
    expect(events.find((event) => event.type === 'incident.status_changed' && event.data.to === 'acknowledged')?.actor).toContain('apikey:');
  });

  it('audits a command its workflow took before closing as delivered, when settling the delivery failed and the redelivery finds the workflow closed', async () => {
    const labels = { service: `unsettled-${Date.now()}` };
    const [accepted] = await send(alert({ labels }));
    const id = accepted.incidentId;
    const handle = vigil.client.workflow.getHandle(accepted.workflowId);
    await eventually(() => handle.query(incidentStateQuery), 'workflow answering queries');
    // As PostgreSQL failing right after the resolve reached the workflow: its delivery is not settled.
    await refusingAuditEvents(`NEW.incident_id = '${id}' AND NEW.type LIKE 'workflow.%' AND NEW.data->>'command' = 'resolve'`, async () => {
      await send(alert({ labels, status: 'resolved' }));
      await eventually(async () => ((await workflowStatus(id)) === 'COMPLETED' ? true : undefined), 'the workflow resolved and closed');
      const [command] = await vigil.ownerQuery(`SELECT dispatched_at FROM workflow_outbox WHERE incident_id = $1 AND payload->'command'->>'kind' = 'resolve'`, [id]);
      expect(command).toEqual({ dispatched_at: null });
    });

    const delivery = await eventually(async () => {
      const events = (await vigil.json(`/api/v1/incidents/${id}/audit?limit=200`)).body.events as Array<{ type: string; data: { command?: string } }>;
      return events.find((e) => e.type.startsWith('workflow.') && e.data.command === 'resolve');
    }, 'the redelivered resolve settled');
    expect(delivery).toMatchObject({ type: 'workflow.signaled', runId: (await handle.describe()).runId });
    expect((await vigil.json('/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('resolves an incident whose workflow was terminated outside Vigil, in PostgreSQL alone, and audits it; acknowledging it is 409', async () => {
    const labels = { service: `terminated-${Date.now()}` };
    const [accepted] = await send(alert({ labels }));
    const id = accepted.incidentId;
    // Terminated once it has run (its last state answers queries, as in the Temporal UI).
    const handle = vigil.client.workflow.getHandle(accepted.workflowId);
    await eventually(() => handle.query(incidentStateQuery), 'workflow answering queries');
    await handle.terminate('stopped by hand in the Temporal UI');

    // A repeat with another severity changes the record; the closed workflow never hears of it,
    // and the timeline says so, in the repeat's trace.
    const [repeat] = await send(alert({ labels: { ...labels, severity: 'high' } }));
    expect(repeat).toMatchObject({ incidentId: id, outcome: 'deduplicated' });
    const dropped = await eventually(async () => {
      const events = (await vigil.json(`/api/v1/incidents/${id}/audit?limit=200`)).body.events as Array<{ type: string }>;
      return events.find((e) => e.type === 'workflow.command_dropped');
    }, 'the severity command dropped');
    expect(dropped).toMatchObject({ actor: 'vigil-dispatcher', traceId: repeat.traceId, data: { command: 'severity', severity: 'high', reason: 'workflow already closed' } });
    expect(await workflowStatus(id)).toBe('TERMINATED');
    // The detail still shows its last state, and says the run is over.
    expect((await vigil.json(`/api/v1/incidents/${id}`)).body.workflow).toMatchObject({ available: true, execution: 'terminated', state: { status: 'triggered' } });

    const ack = await vigil.json(`/api/v1/incidents/${id}/acknowledge`, { method: 'POST' });
    expect(ack.status).toBe(409);
    expect(ack.body).toMatchObject({ currentStatus: 'triggered', detail: expect.stringContaining('terminated outside Vigil') });

    const resolved = await vigil.json(`/api/v1/incidents/${id}/resolve`, { method: 'POST', body: { note: 'cleaning up' } });
    expect(resolved.status).toBe(200);
    expect(liveStateSchema.parse(resolved.body)).toMatchObject({ incidentId: id, status: 'resolved', severity: 'high' });
    expect(resolved.body.transitions.at(-1)).toMatchObject({ from: 'triggered', to: 'resolved', actor: expect.stringContaining('apikey:') });
    expect((await vigil.json(`/api/v1/incidents/${id}/resolve`, { method: 'POST' })).status).toBe(409);

    const detail = await vigil.json(`/api/v1/incidents/${id}`);
    expect(detail.body).toMatchObject({ status: 'resolved', severity: 'high', resolvedBy: expect.stringContaining('apikey:') });
    const timeline = await vigil.json(`/api/v1/incidents/${id}/audit?limit=200`);
    const changes = timeline.body.events.filter((e: { type: string }) => e.type === 'incident.status_changed');
    expect(changes.at(-1)).toMatchObject({ data: { from: 'triggered', to: 'resolved', note: 'cleaning up', workflow: expect.stringContaining('terminated outside Vigil') } });
    // The resolve request's events are linked by its updateId, as when a workflow takes the change.
    const updates = timeline.body.events.filter((e: { type: string; data: { note?: string } }) => e.type === 'workflow.update' && e.data.note === 'cleaning up');
    expect(updates.map((e: { data: { outcome: string } }) => e.data.outcome)).toEqual(['requested', 'accepted']);
    expect(updates[1].data.updateId).toBe(updates[0].data.updateId);
    expect((await vigil.json('/api/v1/audit/verify')).body).toMatchObject({ ok: true });

    // The fingerprint is free again: the next firing alert opens a new incident with a workflow of its own.
    const [reopened] = await send(alert({ labels }));
    expect(reopened).toMatchObject({ outcome: 'created' });
    expect(reopened.incidentId).not.toBe(id);
  });

  /**
   * Acknowledges the incident, then deletes its workflow: deleting a running workflow terminates it
   * and drops its history at once, what a termination in the Temporal UI and then the namespace's
   * retention do. The workflow id is free again.
   */
  async function acknowledgeThenForgetWorkflow(incidentId: string): Promise<void> {
    expect((await vigil.json(`/api/v1/incidents/${incidentId}/acknowledge`, { method: 'POST' })).status).toBe(200);
    await vigil.client.workflowService.deleteWorkflowExecution({ namespace: vigil.client.options.namespace, workflowExecution: { workflowId: incidentWorkflowId(incidentId) } });
    await eventually(async () => ((await workflowStatus(incidentId).catch((e: Error) => e.name)) === 'WorkflowNotFoundError' ? true : undefined), 'history deleted');
  }

  async function statusChanges(incidentId: string): Promise<Array<{ data: unknown; actor: string; runId: string }>> {
    const timeline = await vigil.json(`/api/v1/incidents/${incidentId}/audit?limit=200`);
    return timeline.body.events.filter((e: { type: string }) => e.type === 'incident.status_changed');
  }

  const ACKNOWLEDGED_THEN_RESOLVED = [
    { from: null, to: 'triggered' },
    { from: 'triggered', to: 'acknowledged' },
    { from: 'acknowledged', to: 'resolved' },
  ];

  it('audits every transition of a fresh run started after Temporal forgot a terminated one (past its retention)', async () => {
    const [accepted] = await send(alert({ labels: { service: `forgotten-${Date.now()}` } }));
    const id = accepted.incidentId;
    await acknowledgeThenForgetWorkflow(id);

    const resolved = await vigil.json(`/api/v1/incidents/${id}/resolve`, { method: 'POST', body: { note: 'after the retention' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ incidentId: id, status: 'resolved' });

    // The fresh run carried on from the record: acknowledged, not triggered again.
    expect(resolved.body.transitions.map((t: { to: string }) => t.to)).toEqual(['triggered', 'acknowledged', 'resolved']);
    const changes = await statusChanges(id);
    // The old run's two transitions and the fresh run's one, whose key (its status) is no other transition's.
    expect(changes.map((e) => e.data)).toEqual(ACKNOWLEDGED_THEN_RESOLVED);
    expect(changes.at(-1)).toMatchObject({ actor: expect.stringContaining('apikey:'), runId: (await vigil.client.workflow.getHandle(accepted.workflowId).describe()).runId });
    expect((await vigil.json(`/api/v1/incidents/${id}`)).body).toMatchObject({ status: 'resolved' });
  });

  it('carries a fresh run on from the record when a later alert reaches an acknowledged incident whose workflow Temporal forgot', async () => {
    const labels = { service: `forgotten-alert-${Date.now()}` };
    const [accepted] = await send(alert({ labels }));
    const id = accepted.incidentId;
    await acknowledgeThenForgetWorkflow(id);

    // A repeat with another severity queues a command, whose delivery starts a fresh run.
    expect((await send(alert({ labels: { ...labels, severity: 'high' } })))[0]).toMatchObject({ incidentId: id, outcome: 'deduplicated' });
    const handle = vigil.client.workflow.getHandle(accepted.workflowId);
    const state = await eventually(async () => {
      const live = await handle.query(incidentStateQuery).catch(() => undefined);
      return live?.severity === 'high' ? live : undefined;
    }, 'the fresh run with the new severity');
    // Acknowledged, as the record is, not triggered again; and the Temporal UI's filters agree.
    expect(state).toMatchObject({ status: 'acknowledged', severity: 'high' });
    expect(state.transitions.map((t) => t.to)).toEqual(['triggered', 'acknowledged']);
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect([attributes.get(VigilStatus), attributes.get(VigilSeverity)]).toEqual(['acknowledged', 'high']);
    expect((await vigil.json(`/api/v1/incidents/${id}/acknowledge`, { method: 'POST' })).status).toBe(409);

    const resolved = await vigil.json(`/api/v1/incidents/${id}/resolve`, { method: 'POST' });
    expect(resolved.status).toBe(200);
    expect((await statusChanges(id)).map((e) => e.data)).toEqual(ACKNOWLEDGED_THEN_RESOLVED);
  });

  it('records each state change once when the workflow is reset to its first workflow task (temporal workflow reset)', async () => {
    const [accepted] = await send(alert({ labels: { service: `reset-${Date.now()}` } }));
    const id = accepted.incidentId;
    const handle = vigil.client.workflow.getHandle(accepted.workflowId);
    await eventually(async () => ((await statusChanges(id)).length > 0 ? true : undefined), 'the first run recorded triggered');
    const { runId } = await handle.describe();
    // As `temporal workflow reset --type FirstWorkflowTask`: the new run does again all its first task did.
    const firstTask = (await handle.fetchHistory()).events?.find((e) => e.workflowTaskCompletedEventAttributes);
    const reset = await vigil.client.workflowService.resetWorkflowExecution({
      namespace: vigil.client.options.namespace,
      workflowExecution: { workflowId: accepted.workflowId, runId },
      reason: 'reset to the first workflow task',
      workflowTaskFinishEventId: firstTask?.eventId,
      requestId: randomUUID(),
    });
    expect(reset.runId).not.toBe(runId);

    // The reset run takes the resolve, answered once recorded, after what it took before (in order).
    const resolved = await vigil.json(`/api/v1/incidents/${id}/resolve`, { method: 'POST' });
    expect(resolved.status).toBe(200);
    const timeline = (await vigil.json(`/api/v1/incidents/${id}/audit?limit=200`)).body.events as Array<{ type: string; runId: string; data: Record<string, unknown> }>;
    // The reset run recorded both its transitions, triggered again and resolved ...
    const recordedByReset = timeline.filter((e) => e.type === 'activity.completed' && e.runId === reset.runId && e.data.activityType === 'recordTransition');
    expect(recordedByReset).toHaveLength(2);
    // ... and the incident was triggered once.
    expect(timeline.filter((e) => e.type === 'incident.status_changed').map((e) => ({ runId: e.runId, ...e.data }))).toEqual([
      { runId, from: null, to: 'triggered' },
      { runId: reset.runId, from: 'triggered', to: 'resolved' },
    ]);
    expect((await vigil.json('/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('records triggered once when a triggered incident whose workflow was deleted in Temporal is resolved by a fresh run', async () => {
    const [accepted] = await send(alert({ labels: { service: `deleted-triggered-${Date.now()}` } }));
    const id = accepted.incidentId;
    await eventually(async () => ((await statusChanges(id)).length > 0 ? true : undefined), 'the first run recorded triggered');
    const { runId } = await vigil.client.workflow.getHandle(accepted.workflowId).describe();
    await vigil.client.workflowService.deleteWorkflowExecution({ namespace: vigil.client.options.namespace, workflowExecution: { workflowId: accepted.workflowId } });
    await eventually(async () => ((await workflowStatus(id).catch((e: Error) => e.name)) === 'WorkflowNotFoundError' ? true : undefined), 'history deleted');

    // The fresh run that resolving starts starts over at triggered, as the record is.
    const resolved = await vigil.json(`/api/v1/incidents/${id}/resolve`, { method: 'POST' });
    expect(resolved.status).toBe(200);
    expect(resolved.body.transitions.map((t: { to: string }) => t.to)).toEqual(['triggered', 'resolved']);
    const freshRunId = (await vigil.client.workflow.getHandle(accepted.workflowId).describe()).runId;
    expect((await statusChanges(id)).map((e) => ({ runId: e.runId, ...(e.data as object) }))).toEqual([
      { runId, from: null, to: 'triggered' },
      { runId: freshRunId, from: 'triggered', to: 'resolved' },
    ]);
  });

  it('says the workflow is no longer in Temporal, not that it has not started, once Temporal forgot it', async () => {
    const [accepted] = await send(alert({ labels: { service: `deleted-${Date.now()}` } }));
    const id = accepted.incidentId;
    await eventually(() => vigil.client.workflow.getHandle(accepted.workflowId).query(incidentStateQuery), 'workflow answering queries');
    // As `temporal workflow delete`, or the namespace's retention after a termination.
    await vigil.client.workflowService.deleteWorkflowExecution({ namespace: vigil.client.options.namespace, workflowExecution: { workflowId: accepted.workflowId } });
    await eventually(async () => ((await workflowStatus(id).catch((e: Error) => e.name)) === 'WorkflowNotFoundError' ? true : undefined), 'history deleted');

    const detail = await vigil.json(`/api/v1/incidents/${id}`);
    expect(detail.status).toBe(200);
    expect(incidentDetailSchema.parse(detail.body).workflow).toEqual({ id: accepted.workflowId, firstRunId: expect.any(String), available: false, reason: 'no_longer_in_temporal' });
  });

  it('audits the state change when a resolved alert resolves an incident whose workflow was terminated outside Vigil', async () => {
    const labels = { service: `terminated-resolved-alert-${Date.now()}` };
    const [accepted] = await send(alert({ labels }));
    const id = accepted.incidentId;
    const handle = vigil.client.workflow.getHandle(accepted.workflowId);
    await eventually(() => handle.query(incidentStateQuery), 'workflow answering queries');
    await handle.terminate('stopped by hand in the Temporal UI');

    const [resolvedAlert] = await send(alert({ labels, status: 'resolved' }));
    expect(resolvedAlert).toMatchObject({ incidentId: id, outcome: 'resolved' });
    const change = await eventually(async () => (await statusChanges(id)).find((e) => (e.data as { to: string }).to === 'resolved'), 'the resolve audited as a state change');
    expect(change).toMatchObject({
      actor: expect.stringContaining('apikey:'),
      traceId: resolvedAlert.traceId,
      data: { from: 'triggered', to: 'resolved', workflow: expect.stringContaining('terminated outside Vigil') },
    });
    expect((await vigil.json(`/api/v1/incidents/${id}`)).body).toMatchObject({ status: 'resolved', resolvedBy: change?.actor });
    expect((await statusChanges(id)).map((e) => e.data)).toEqual([
      { from: null, to: 'triggered' },
      { from: 'triggered', to: 'resolved', note: 'resolved alert received', workflow: expect.stringContaining('terminated outside Vigil') },
    ]);
    expect((await vigil.json('/api/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('lists incidents filtered by status, severity and service, one cursor page at a time', async () => {
    const service = `paged-${Date.now()}`;
    for (let i = 0; i < 5; i++) await send(alert({ labels: { service, alertname: `A${i}`, severity: i % 2 ? 'info' : 'high' } }));
    expect((await pagesOf(service)).map((i) => i.alertname)).toEqual(['A4', 'A3', 'A2', 'A1', 'A0']);
    const high = await vigil.json(`/api/v1/incidents?service=${service}&severity=high&status=triggered`);
    expect(high.body.items.map((i: { alertname: string }) => i.alertname)).toEqual(['A4', 'A2', 'A0']);
    // The service is trimmed, as the label was at intake.
    const spaced = await vigil.json(`/api/v1/incidents?service=%20${service}%20&severity=high`);
    expect(spaced.body.items.map((i: { alertname: string }) => i.alertname)).toEqual(['A4', 'A2', 'A0']);
    expect((await vigil.json(`/api/v1/incidents?cursor=nonsense`)).status).toBe(400);

    // Any of several: the open ones (triggered or acknowledged), and two severities, as a list or repeated.
    const names = async (query: string) => (await vigil.json(`/api/v1/incidents?service=${service}&${query}`)).body.items.map((i: { alertname: string }) => i.alertname);
    const listed = await pagesOf(service);
    const [a1, a2] = ['A1', 'A2'].map((name) => listed.find((i) => i.alertname === name)!);
    await vigil.json(`/api/v1/incidents/${a2.id}/acknowledge`, { method: 'POST' });
    await vigil.json(`/api/v1/incidents/${a1.id}/resolve`, { method: 'POST' });
    expect(await names('status=triggered,acknowledged')).toEqual(['A4', 'A3', 'A2', 'A0']);
    expect(await names('status=triggered&status=acknowledged&severity=high')).toEqual(['A4', 'A2', 'A0']);
    expect(await names('status=acknowledged,resolved')).toEqual(['A2', 'A1']);
    expect(await names('severity=info&severity=high&status=resolved')).toEqual(['A1']);
    const unknown = await vigil.json(`/api/v1/incidents?status=triggered,open`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ field: 'status', message: expect.stringContaining('"open"') });
  });

  it("lists an incident's alerts newest first, with their annotations, one cursor page at a time", async () => {
    const generatorURL = 'http://prometheus.example.com:9090/graph?g0.expr=error_rate%20%3E%200.05';
    const body = alert({ annotations: { summary: 'error rate 7%', runbook_url: 'https://runbooks.example.com/checkout' }, generatorURL });
    // RFC 3339 allows a lower-case t and z; Alertmanager sends Go's zero time for "no end yet".
    const [first] = await send({ ...body, startsAt: '2026-11-24t09:00:00.5+02:00', endsAt: '0001-01-01T00:00:00Z' });
    // An offset PostgreSQL itself refuses (beyond ±15:59), and nanoseconds, as Go sends them.
    const [second] = await send({ ...body, annotations: { summary: 'error rate 9%' }, startsAt: '2026-11-24T23:00:00.123456789+16:00' });
    // One request, one transaction: three alerts that share their received_at.
    const batch = await send([body, body, body]);
    const [resolved] = await send({ ...body, status: 'resolved', startsAt: '2026-11-24T07:00:00.5Z', endsAt: '2026-11-24T07:10:00z' });

    const path = `/api/v1/incidents/${first.incidentId}/alerts`;
    const items: Array<Record<string, any>> = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { incidentId: string; items: Array<Record<string, any>>; nextCursor: string | null } } = await vigil.json(
        `${path}?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      alertPageSchema.parse(page.body);
      expect(page.body.incidentId).toBe(first.incidentId);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);

    expect(items.map((a) => a.outcome)).toEqual(['resolved', 'deduplicated', 'deduplicated', 'deduplicated', 'deduplicated', 'created']);
    // Newest first also within the transaction: the batch's last alert was applied last.
    expect(items.map((a) => a.id)).toEqual([resolved.alertId, ...batch.map((a) => a.alertId).reverse(), second.alertId, first.alertId]);
    expect(items.every((a) => a.incidentId === first.incidentId && a.fingerprint === first.fingerprint)).toBe(true);
    expect(items[5]).toMatchObject({ status: 'firing', severity: 'critical', labels: body.labels, source: 'api', traceId: first.traceId });
    // Alertmanager's generatorURL (the rule's graph) is kept among the annotations.
    expect(items[5].annotations).toEqual({ summary: 'error rate 7%', runbook_url: 'https://runbooks.example.com/checkout', generatorURL });
    expect(items[4].annotations).toEqual({ summary: 'error rate 9%', generatorURL });
    expect(items[0]).toMatchObject({ status: 'resolved', startsAt: '2026-11-24T07:00:00.500Z', endsAt: '2026-11-24T07:10:00.000Z' });
    // Go's zero time, Alertmanager's "no end yet", is stored as no time.
    expect(items[5]).toMatchObject({ startsAt: '2026-11-24T07:00:00.500Z', endsAt: null });
    expect(items[4]).toMatchObject({ startsAt: '2026-11-24T07:00:00.123Z', endsAt: null });
    expect(items[3]).toMatchObject({ startsAt: null, endsAt: null });
    expect(Date.parse(items[0].receivedAt)).toBeGreaterThanOrEqual(Date.parse(items[5].receivedAt));

    expect((await vigil.json(`/api/v1/incidents/${first.incidentId}`)).body.links.alerts).toBe(path);
    expect((await vigil.json(`/api/v1/incidents/00000000-0000-4000-8000-000000000000/alerts`)).status).toBe(404);
    const badCursor = await vigil.json(`${path}?cursor=nonsense`);
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors[0].field).toBe('cursor');
  });

  it('pages through incidents opened by one batch (one transaction, so one created_at) without skipping any', async () => {
    const service = `batch-paged-${Date.now()}`;
    const batch = [0, 1, 2, 3, 4].map((i) => alert({ labels: { service, alertname: `B${i}` } }));
    const accepted = await send(batch);
    const seen = (await pagesOf(service)).map((i) => i.id);
    // Newest first: the batch's last incident was opened last.
    expect(seen).toEqual(accepted.map((a) => a.incidentId).reverse());
  });

  it('audits a failed activity attempt with its error, and the retry that succeeds', async () => {
    const [accepted] = await send(alert());
    await eventually(async () => {
      const rows = await vigil.ownerQuery(`SELECT 1 FROM audit_events WHERE incident_id = $1 AND type = 'incident.status_changed'`, [accepted.incidentId]);
      return rows.length === 1 ? true : undefined;
    }, 'triggered recorded');
    // The worker can no longer write incidents: the acknowledgement's recordTransition fails until it can.
    await vigil.ownerQuery(`REVOKE UPDATE ON incidents FROM vigil_app`);
    let acknowledging: Promise<{ status: number }> | undefined;
    try {
      acknowledging = vigil.json(`/api/v1/incidents/${accepted.incidentId}/acknowledge`, { method: 'POST' });
      await eventually(async () => {
        const rows = await vigil.ownerQuery(`SELECT 1 FROM audit_events WHERE incident_id = $1 AND type = 'activity.failed'`, [accepted.incidentId]);
        return rows.length > 0 ? true : undefined;
      }, 'a failed attempt audited');
    } finally {
      await vigil.ownerQuery(`GRANT UPDATE ON incidents TO vigil_app`);
    }
    expect((await acknowledging)?.status).toBe(200);

    const { body } = await vigil.json(`/api/v1/incidents/${accepted.incidentId}/audit`);
    const attempts = body.events
      .filter((e: { type: string; data: { activityType?: string } }) => e.type.startsWith('activity.') && e.data.activityType === 'recordTransition')
      .slice(2) // the two events of 'triggered'
      .map((e: { type: string; data: { attempt: number; error?: string } }) => ({ type: e.type, attempt: e.data.attempt, error: e.data.error }));
    expect(attempts[0]).toEqual({ type: 'activity.started', attempt: 1, error: undefined });
    expect(attempts[1]).toEqual({ type: 'activity.failed', attempt: 1, error: expect.stringContaining('permission denied') });
    expect(attempts.at(-1)).toMatchObject({ type: 'activity.completed' });
    expect(attempts.at(-1)!.attempt).toBeGreaterThan(1);
  });

  it('answers two acknowledgements at once with one 200 and one 409 that says why, and audits one as accepted and one as rejected', async () => {
    const [accepted] = await send(alert());
    await eventually(async () => ((await vigil.json(`/api/v1/incidents/${accepted.incidentId}`)).body.workflow.available ? true : undefined), 'the workflow running');
    const answers = await Promise.all([1, 2].map(() => vigil.json(`/api/v1/incidents/${accepted.incidentId}/acknowledge`, { method: 'POST' })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    // Refused by the record or by the workflow's validator, whichever came first: either says why.
    expect(problemSchema.parse(answers.find((a) => a.status === 409)!.body).detail).toBe('incident is acknowledged; cannot move to acknowledged');
    const { body } = await vigil.json(`/api/v1/incidents/${accepted.incidentId}/audit`);
    const outcomes = body.events.filter((e: { type: string }) => e.type === 'workflow.update').map((e: { data: { outcome: string } }) => e.data.outcome);
    // Both asked Temporal (the record still said triggered), unless the second came after the first had finished.
    expect([['accepted', 'rejected', 'requested', 'requested'], ['accepted', 'rejected', 'requested']]).toContainEqual(outcomes.sort());
  });

  it('answers and records an acknowledgement under way when the workflow is cancelled (in the Temporal UI), which then closes as cancelled', async () => {
    const [accepted] = await send(alert());
    const handle = vigil.client.workflow.getHandle(accepted.workflowId);
    await eventually(async () => ((await handle.query(incidentStateQuery)).transitions.length === 1 ? true : undefined), 'the workflow running');
    const lock = await vigil.ownerConnection();
    let acknowledged: Promise<{ status: number; body: any }>;
    try {
      // The acknowledgement's activity waits on the incident's row while the workflow is cancelled.
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE', [accepted.incidentId]);
      acknowledged = vigil.json(`/api/v1/incidents/${accepted.incidentId}/acknowledge`, { body: { note: 'on it' } });
      await eventually(async () => ((await handle.query(incidentStateQuery)).status === 'acknowledged' ? true : undefined), 'the acknowledgement taken');
      await handle.cancel();
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }
    const answer = await acknowledged;
    expect(answer.status).toBe(200);
    expect(liveStateSchema.parse(answer.body).status).toBe('acknowledged');
    expect(await eventually(async () => ((await workflowStatus(accepted.incidentId)) === 'CANCELLED' ? true : undefined), 'the workflow cancelled')).toBe(true);
    const { body } = await vigil.json(`/api/v1/incidents/${accepted.incidentId}`);
    expect(body).toMatchObject({ status: 'acknowledged', acknowledgedBy: expect.stringMatching(/^apikey:/) });
    const timeline = (await vigil.json(`/api/v1/incidents/${accepted.incidentId}/audit`)).body.events;
    expect(timeline.filter((e: { type: string }) => e.type === 'workflow.update').map((e: { data: { outcome: string } }) => e.data.outcome)).toEqual(['requested', 'accepted']);
  });

  it('audits that the workflow was cancelled (in the Temporal UI), with the status it left, who asked Temporal, and the run\'s trace; verify passes', async () => {
    const [accepted] = await send(alert());
    const handle = vigil.client.workflow.getHandle(accepted.workflowId);
    await eventually(async () => ((await handle.query(incidentStateQuery)).transitions.length === 1 ? true : undefined), 'the workflow running');
    const { runId } = await handle.describe();
    await handle.cancel();
    await eventually(async () => ((await workflowStatus(accepted.incidentId)) === 'CANCELLED' ? true : undefined), 'the workflow cancelled');
    const { body } = await vigil.json(`/api/v1/incidents/${accepted.incidentId}/audit`);
    const timeline = timelineSchema.parse(body).events as Array<Record<string, any>>;
    const closed = timeline.filter((e) => e.type === 'workflow.closed');
    expect(closed).toEqual([
      expect.objectContaining({
        actor: 'temporal',
        workflowId: accepted.workflowId,
        runId,
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
        data: { reason: 'cancelled', status: 'triggered', cancelRequest: { identity: vigil.client.options.identity, reason: null, at: expect.any(String) } },
      }),
    ]);
    // In the trace of the run, as its recorded transitions are.
    const triggered = timeline.find((e) => e.type === 'incident.status_changed' && e.data.to === 'triggered');
    expect(closed[0]?.traceId).toBe(triggered?.traceId);
    const verify = await vigil.json('/api/v1/audit/verify');
    expect(verifyReportSchema.parse(verify.body).ok).toBe(true);
  });

  it('keeps an audit timeline of intake, dispatch, activity attempts and state changes, each with a trace id, and verify passes', async () => {
    const [accepted] = await send(alert());
    await vigil.json(`/api/v1/incidents/${accepted.incidentId}/acknowledge`, { method: 'POST' });
    await vigil.json(`/api/v1/incidents/${accepted.incidentId}/resolve`, { method: 'POST', body: { note: 'rolled back 4.2.1' } });
    // Refused by the incident's record before Temporal is asked: audited all the same.
    expect((await vigil.json(`/api/v1/incidents/${accepted.incidentId}/acknowledge`, { method: 'POST' })).status).toBe(409);
    const timeline = await eventually(async () => {
      const { body } = await vigil.json(`/api/v1/incidents/${accepted.incidentId}/audit`);
      const types = body.events.map((e: { type: string }) => e.type);
      return types.includes('workflow.signaled') && types.filter((t: string) => t === 'incident.status_changed').length === 3 ? body.events : undefined;
    }, 'complete timeline');
    // A page at a time (three events each, following nextAfterSeq), the same timeline.
    const paged: Array<{ seq: number }> = [];
    for (let afterSeq: number | null = 0; afterSeq !== null; ) {
      const page: { body: { events: Array<{ seq: number }>; nextAfterSeq: number | null } } = await vigil.json(
        `/api/v1/incidents/${accepted.incidentId}/audit?limit=3&afterSeq=${afterSeq}`,
      );
      timelineSchema.parse(page.body);
      expect(page.body.events.length).toBeLessThanOrEqual(3);
      paged.push(...page.body.events);
      afterSeq = page.body.nextAfterSeq;
    }
    // (The worker may have appended an event since the timeline above was read.)
    expect(paged.slice(0, timeline.length)).toEqual(timeline);
    const types = timeline.map((e: { type: string }) => e.type);
    expect(types[0]).toBe('alert.received');
    expect(types).toEqual(expect.arrayContaining(['activity.started', 'activity.completed', 'workflow.update']));
    for (const event of timeline) {
      expect(event.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(event.actor).toBeTruthy();
    }
    const activityEvent = timeline.find((e: { type: string }) => e.type === 'activity.started');
    expect(activityEvent).toMatchObject({ workflowId: accepted.workflowId, data: { attempt: 1, activityType: 'recordTransition' } });
    expect(activityEvent.runId).toBeTruthy();
    const updates = timeline.filter((e: { type: string }) => e.type === 'workflow.update');
    // Each change on record as asked for before Temporal was asked, then as taken; the last one the record refused.
    expect(updates.map((e: { data: unknown }) => e.data)).toEqual([
      { update: 'acknowledge', updateId: expect.any(String), outcome: 'requested', note: null },
      { update: 'acknowledge', updateId: expect.any(String), outcome: 'accepted', note: null },
      { update: 'resolve', updateId: expect.any(String), outcome: 'requested', note: 'rolled back 4.2.1' },
      { update: 'resolve', updateId: expect.any(String), outcome: 'accepted', note: 'rolled back 4.2.1' },
      { update: 'acknowledge', updateId: expect.any(String), outcome: 'rejected', note: null, reason: 'incident is resolved; cannot move to acknowledged' },
    ]);
    // A request's events share its update id; no two requests do.
    const updateIds = updates.map((e: { data: { updateId: string } }) => e.data.updateId);
    expect(updateIds[0]).toBe(updateIds[1]);
    expect(updateIds[2]).toBe(updateIds[3]);
    expect(new Set(updateIds).size).toBe(3);
    const { runId } = await vigil.client.workflow.getHandle(accepted.workflowId).describe();
    expect(updates.map((e: { runId: string | null }) => e.runId)).toEqual([null, runId, null, runId, null]);
    expect(timeline[0].traceId).toBe(accepted.traceId);
    // The state changes, exactly: who moved the incident where, and nothing else.
    const changes = timeline.filter((e: { type: string }) => e.type === 'incident.status_changed');
    expect(changes.map((e: { actor: string; data: unknown }) => [e.actor, e.data])).toEqual([
      ['vigil', { from: null, to: 'triggered' }],
      [expect.stringMatching(/^apikey:/), { from: 'triggered', to: 'acknowledged' }],
      [expect.stringMatching(/^apikey:/), { from: 'acknowledged', to: 'resolved' }],
    ]);

    const verify = await vigil.json('/api/v1/audit/verify');
    expect(verifyReportSchema.parse(verify.body).ok).toBe(true);
  });
});

/**
 * Settings other than the defaults, on one stack:
 * - several intake transactions at once (VIGIL_INTAKE_COMMIT_CONCURRENCY): PostgreSQL, not the queue, must settle the same races;
 * - a short VIGIL_UPDATE_TIMEOUT_MS: an acknowledgement the workflow accepts but cannot finish in time (its activity waits on a row lock).
 */
describe('alert to incident with other settings', () => {
  let temporal: TestTemporal;
  let vigil: Vigil;

  beforeAll(async () => {
    temporal = await TestTemporal.start();
    vigil = await Vigil.start({ temporalAddress: temporal.address, env: { VIGIL_INTAKE_COMMIT_CONCURRENCY: '4', VIGIL_UPDATE_TIMEOUT_MS: '1000' } });
  });
  afterAll(async () => {
    await vigil?.stop();
    await temporal?.stop();
  });

  it('opens one incident for concurrent first alerts with the same fingerprint, counting each once', async () => {
    const body = alert();
    const responses = await Promise.all(Array.from({ length: 25 }, () => vigil.json('/api/v1/alerts', { body })));
    expect(responses.map((r) => r.status)).toEqual(Array(25).fill(202));
    expect(new Set(responses.map((r) => r.body.alerts[0].incidentId)).size).toBe(1);
    expect(responses.filter((r) => r.body.alerts[0].outcome === 'created')).toHaveLength(1);
    const rows = await vigil.ownerQuery(`SELECT occurrence_count FROM incidents WHERE id = $1`, [responses[0].body.alerts[0].incidentId]);
    expect(rows[0].occurrence_count).toBe(25);
    expect((await vigil.json('/api/v1/audit/verify')).body.ok).toBe(true);
  });

  it('stores one of two concurrent requests with the same Idempotency-Key and different alerts, and refuses the other', async () => {
    const key = `idem-${Date.now()}-${Math.random()}`;
    const bodies = [alert(), alert()];
    const answers = await Promise.all(bodies.map((body) => vigil.json('/api/v1/alerts', { body, headers: { 'idempotency-key': key } })));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 422]);
    const stored = await vigil.ownerQuery(`SELECT count(*)::int AS n FROM incidents WHERE service = ANY($1)`, [bodies.map((b) => b.labels.service)]);
    expect(stored[0].n).toBe(1);
  });

  it('keeps on record an acknowledgement no worker took in time, answers 503 saying it may still happen, and audits its outcome once a worker runs it', async () => {
    // A task queue no worker of this stack polls, and a database of its own for the two Vigils that share it.
    const env = { TEMPORAL_TASK_QUEUE: `unpolled-${Date.now()}`, VIGIL_UPDATE_TIMEOUT_MS: '1000' };
    const scratch = await createScratchDatabase('vigil_e2e');
    const database = { appUrl: scratch.appUrl, ownerUrl: scratch.ownerUrl };
    const idle = await Vigil.start({ temporalAddress: temporal.address, env, database, worker: false });
    let working: Vigil | undefined;
    try {
      const [accepted] = (await idle.json('/api/v1/alerts', { body: alert() })).body.alerts;
      const handle = idle.client.workflow.getHandle(accepted.workflowId);
      await eventually(() => handle.describe().then(() => true, () => undefined), 'the workflow started by the outbox');
      // Two acknowledgements, neither taken in time: the first will be applied, the second refused by the workflow.
      for (const note of ['taking it', 'me too']) {
        const ack = await idle.json(`/api/v1/incidents/${accepted.incidentId}/acknowledge`, { body: { note } });
        expect(ack.status).toBe(503);
        expect(problemSchema.parse(ack.body).detail).toContain('did not take the change to acknowledged within 1000 ms');
      }
      const updateEvents = async () => (await idle.json(`/api/v1/incidents/${accepted.incidentId}/audit`)).body.events.filter((e: { type: string }) => e.type === 'workflow.update');
      const asked = await updateEvents();
      expect(asked.map((e: { actor: string; data: unknown }) => [e.actor, e.data])).toEqual([
        [expect.stringMatching(/^apikey:/), { update: 'acknowledge', updateId: expect.any(String), outcome: 'requested', note: 'taking it' }],
        [expect.stringMatching(/^apikey:/), { update: 'acknowledge', updateId: expect.any(String), outcome: 'requested', note: 'me too' }],
      ]);

      // Temporal is up; no worker answers the live-state query in time.
      expect((await idle.json(`/api/v1/incidents/${accepted.incidentId}`)).body.workflow).toMatchObject({ available: false, reason: 'no_answer' });

      working = await Vigil.start({ temporalAddress: temporal.address, env, database });
      const changes = await eventually(async () => {
        const { body } = await idle.json(`/api/v1/incidents/${accepted.incidentId}/audit`);
        const found = body.events.filter((e: { type: string }) => e.type === 'incident.status_changed');
        return found.length === 2 ? found : undefined;
      }, 'the acknowledgement applied');
      expect(changes[1]).toMatchObject({ actor: asked[0].actor, data: { from: 'triggered', to: 'acknowledged' } });
      expect((await idle.json(`/api/v1/incidents/${accepted.incidentId}`)).body).toMatchObject({ status: 'acknowledged', acknowledgedBy: asked[0].actor });
      // The API that gave up on them followed both, and audits each outcome under its request's update id.
      const outcomes = await eventually(async () => {
        const found = (await updateEvents()).filter((e: { data: { outcome: string } }) => e.data.outcome !== 'requested');
        return found.length === 2 ? found : undefined;
      }, 'the late outcomes audited');
      const byUpdate = new Map(outcomes.map((e: { data: { updateId: string } }) => [e.data.updateId, e.data]));
      expect(byUpdate.get(asked[0].data.updateId)).toEqual({ ...asked[0].data, outcome: 'accepted' });
      expect(byUpdate.get(asked[1].data.updateId)).toEqual({ ...asked[1].data, outcome: 'rejected', reason: 'incident is acknowledged; cannot move to acknowledged' });
    } finally {
      await working?.stop();
      await idle.stop();
      await scratch.drop();
    }
  });

  it('answers 409 to an acknowledge whose workflow is terminated outside Vigil while the change waits for a worker, and audits the refusal', async () => {
    const env = { TEMPORAL_TASK_QUEUE: `unpolled-${Date.now()}`, VIGIL_UPDATE_TIMEOUT_MS: '30000' };
    const scratch = await createScratchDatabase('vigil_e2e');
    const idle = await Vigil.start({ temporalAddress: temporal.address, env, database: { appUrl: scratch.appUrl, ownerUrl: scratch.ownerUrl }, worker: false });
    try {
      const [accepted] = (await idle.json('/api/v1/alerts', { body: alert() })).body.alerts;
      const handle = idle.client.workflow.getHandle(accepted.workflowId);
      await eventually(() => handle.describe().then(() => true, () => undefined), 'the workflow started by the outbox');
      const ack = idle.json(`/api/v1/incidents/${accepted.incidentId}/acknowledge`, { body: { note: 'on my way' } });
      const updateEvents = async () => (await idle.json(`/api/v1/incidents/${accepted.incidentId}/audit`)).body.events.filter((e: { type: string }) => e.type === 'workflow.update');
      await eventually(async () => ((await updateEvents()).length === 1 ? true : undefined), 'the acknowledge on record');
      // Admitted by Temporal, waiting for a worker, when someone stops the workflow in the Temporal UI.
      await eventually(async () => ((await handle.describe()).raw.pendingWorkflowTask ? true : undefined), 'the update waiting for a worker');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await handle.terminate('stopped by hand in the Temporal UI');

      const answer = await ack;
      expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 409, body: { currentStatus: 'triggered', detail: expect.stringContaining('terminated outside Vigil') } });
      expect((await updateEvents()).map((e: { data: { outcome: string } }) => e.data.outcome)).toEqual(['requested', 'rejected']);
    } finally {
      await idle.stop();
      await scratch.drop();
    }
  });

  it('audits an incident change that outlasts VIGIL_UPDATE_TIMEOUT_MS as accepted when the workflow takes it, answered 503 when it is not finished in time, and finished after', async () => {
    const [accepted] = (await vigil.json('/api/v1/alerts', { body: alert() })).body.alerts;
    await eventually(async () => {
      const { body } = await vigil.json(`/api/v1/incidents/${accepted.incidentId}/audit`);
      return body.events.some((e: { type: string }) => e.type === 'incident.status_changed') ? true : undefined;
    }, 'the triggered state recorded');

    const lock = await vigil.ownerConnection();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE', [accepted.incidentId]);
      const ack = await vigil.json(`/api/v1/incidents/${accepted.incidentId}/acknowledge`, { body: { note: 'on it' } });
      expect(ack.status).toBe(503);
      expect(problemSchema.parse(ack.body).detail).toContain('accepted the change to acknowledged');
      const { body } = await vigil.json(`/api/v1/incidents/${accepted.incidentId}/audit`);
      const updates = body.events.filter((e: { type: string }) => e.type === 'workflow.update');
      expect(updates.map((e: { data: unknown }) => e.data)).toEqual([
        { update: 'acknowledge', updateId: expect.any(String), outcome: 'requested', note: 'on it' },
        { update: 'acknowledge', updateId: expect.any(String), outcome: 'accepted', note: 'on it' },
      ]);
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }
    await eventually(async () => ((await vigil.json(`/api/v1/incidents/${accepted.incidentId}`)).body.status === 'acknowledged' ? true : undefined), 'the acknowledgement finished');
  });
});
