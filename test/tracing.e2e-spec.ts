import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { hashApiKey } from '../libs/persistence';
import { alert, eventually, TestTemporal, testTelemetry, Vigil } from './support/vigil-harness';
import { spanNames, traceHolds } from './support/spans';

const STARTED = ['POST /api/v1/alerts', 'SignalWithStartWorkflow:incidentWorkflow', 'HandleSignal:incidentCommand', 'StartActivity:recordTransition', 'RunActivity:recordTransition'];
// The workflow's own span ends when the workflow does.
const COMPLETED = [...STARTED, 'RunWorkflow:incidentWorkflow'];

describe('one trace from the HTTP request into the workflow and its activities', () => {
  const exporter = new InMemorySpanExporter();
  let temporal: TestTemporal;
  let vigil: Vigil;

  beforeAll(async () => {
    temporal = await TestTemporal.start();
    vigil = await Vigil.start({ temporalAddress: temporal.address, telemetry: testTelemetry({ spanExporter: exporter }) });
  });
  afterAll(async () => {
    await vigil?.stop();
    await temporal?.stop();
  });

  it('continues the caller traceparent through intake, the workflow start, the workflow and every activity, and audit rows carry it', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const body = alert();
    const response = await vigil.json('/api/v1/alerts', { body, headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(response.status).toBe(202);
    const [accepted] = response.body.alerts;
    expect(accepted.traceId).toBe(traceId);

    const started = await eventually(async () => traceHolds(exporter, traceId, STARTED), 'spans of the started workflow');
    const httpSpan = started.find((span) => span.name === 'POST /api/v1/alerts');
    expect(httpSpan?.parentSpanId).toBe('00f067aa0ba902b7');
    // The group commit that stored the alert has a span of its own, linked back to this request.
    const commit = exporter.getFinishedSpans().find((span) => span.name === 'vigil.intake.commit' && span.links.some((link) => link.context.spanId === httpSpan?.spanContext().spanId));
    expect(commit?.spanContext().traceId).not.toBe(traceId);
    expect(commit?.attributes['vigil.intake.alerts']).toBeGreaterThanOrEqual(1);

    const audit = await eventually(async () => {
      const rows = await vigil.ownerQuery<{ type: string; trace_id: string; span_id: string }>(
        `SELECT type, trace_id, span_id FROM audit_events WHERE incident_id = $1 ORDER BY seq`,
        [accepted.incidentId],
      );
      return rows.some((row) => row.type === 'activity.completed') ? rows : undefined;
    }, 'audit rows of the activity');
    expect(new Set(audit.map((row) => row.trace_id))).toEqual(new Set([traceId]));
    const activitySpanIds = new Set(started.filter((span) => span.name.startsWith('RunActivity')).map((span) => span.spanContext().spanId));
    expect(audit.filter((row) => row.type.startsWith('activity.')).every((row) => activitySpanIds.has(row.span_id))).toBe(true);

    const resolved = await vigil.json('/api/v1/alerts', { body: { ...body, status: 'resolved' } });
    expect(resolved.body.alerts[0].traceId).not.toBe(traceId);
    const completed = await eventually(async () => traceHolds(exporter, traceId, COMPLETED), `spans ${COMPLETED.join(', ')}`);
    expect(spanNames(completed)).toEqual(expect.arrayContaining(COMPLETED));
    // Each span hangs off the one that caused it: start → workflow run and signal → activity start → activity run.
    const parentName = (name: string) => completed.find((span) => span.spanContext().spanId === completed.find((s) => s.name === name)?.parentSpanId)?.name;
    expect(parentName('RunWorkflow:incidentWorkflow')).toBe('SignalWithStartWorkflow:incidentWorkflow');
    expect(parentName('HandleSignal:incidentCommand')).toBe('SignalWithStartWorkflow:incidentWorkflow');
    expect(parentName('StartActivity:recordTransition')).toBe('RunWorkflow:incidentWorkflow');
    expect(parentName('RunActivity:recordTransition')).toBe('StartActivity:recordTransition');
  });

  it('traces the start\'s storing of VIGIL_ADMIN_API_KEY, and its audit event carries that trace', async () => {
    const [created] = await vigil.ownerQuery<{ trace_id: string | null; span_id: string | null }>(
      `SELECT e.trace_id, e.span_id FROM audit_events e JOIN api_keys k ON k.id = (e.data->>'keyId')::uuid
        WHERE e.type = 'api_key.created' AND k.key_hash = $1`,
      [hashApiKey(vigil.adminKey)],
    );
    const span = exporter.getFinishedSpans().find((s) => s.name === 'vigil.api_keys.bootstrap' && s.spanContext().traceId === created?.trace_id);
    expect(span?.spanContext().spanId).toEqual(expect.any(String));
    expect(created.span_id).toBe(span?.spanContext().spanId);
  });

  it('puts the activity an acknowledgement runs in the acknowledging request\'s trace', async () => {
    const opened = await vigil.json('/api/v1/alerts', { body: alert() });
    const { incidentId, traceId: alertTrace } = opened.body.alerts[0];
    await eventually(async () => traceHolds(exporter, alertTrace, STARTED), 'the opened incident\'s first activity');

    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const ack = await vigil.json(`/api/v1/incidents/${incidentId}/acknowledge`, { method: 'POST', body: {}, headers: { traceparent: `00-${traceId}-1122334455667788-01` } });
    expect(ack.status).toBe(200);
    const spans = await eventually(async () => traceHolds(exporter, traceId, ['HandleUpdate:acknowledge', 'StartActivity:recordTransition', 'RunActivity:recordTransition']), 'the update\'s spans');
    const update = spans.find((span) => span.name === 'HandleUpdate:acknowledge');
    const activityStart = spans.find((span) => span.name === 'StartActivity:recordTransition');
    expect(activityStart?.parentSpanId).toBe(update?.spanContext().spanId);
    expect(update?.attributes.temporalUpdateId).toEqual(expect.any(String));
  });

  it('starts a new trace when the caller sends none, and still reaches the activities', async () => {
    const response = await vigil.json('/api/v1/alerts', { body: alert() });
    const [accepted] = response.body.alerts;
    expect(accepted.traceId).toMatch(/^[0-9a-f]{32}$/);
    await eventually(async () => traceHolds(exporter, accepted.traceId, STARTED), 'the trace into the activities');
  });
});
