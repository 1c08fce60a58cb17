import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { randomBytes } from 'node:crypto';
import { alert, eventually, TestTemporal, Vigil } from './support/vigil-harness';

/**
 * A namespace without Vigil's search attributes (an existing cluster where the README's one-time
 * step was missed): Temporal refuses every incident's start for good. Intake still stores alerts;
 * the outbox keeps each command with Temporal's own reason and keeps trying (the step may be done
 * meanwhile); an acknowledge is an unexpected error with an id, not a "retry later" 503.
 */
describe('a Temporal namespace without Vigil\'s search attributes', () => {
  let temporal: TestTemporal;
  let vigil: Vigil;
  const namespace = `vigil-bare-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    temporal = await TestTemporal.start();
    const connection = await Connection.connect({ address: temporal.address });
    await new Client({ connection }).workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    await connection.close();
    // No worker: it would wait for the search attributes (test/worker-start.e2e-spec.ts).
    vigil = await Vigil.start({ temporalAddress: temporal.address, worker: false, env: { TEMPORAL_NAMESPACE: namespace } });
  });
  afterAll(async () => {
    await vigil?.stop();
    await temporal?.stop();
  });

  it('stores the alert, keeps its command with the reason Temporal gave, and answers an acknowledge 500 with an error id', async () => {
    const sent = await vigil.json('/api/v1/alerts', { body: alert() });
    expect(sent.status).toBe(202);
    const { incidentId } = sent.body.alerts[0];

    const [command] = await eventually(async () => {
      const rows = await vigil.ownerQuery<{ attempts: number; last_error: string | null; dispatched_at: Date | null }>(
        `SELECT attempts, last_error, dispatched_at FROM workflow_outbox WHERE incident_id = $1`,
        [incidentId],
      );
      return rows[0]?.attempts >= 2 ? rows : undefined;
    }, 'the command refused and tried again');
    expect(command.dispatched_at).toBeNull();
    expect(command.last_error).toContain(`Namespace ${namespace} has no mapping defined for search attribute`);

    const ack = await vigil.json(`/api/v1/incidents/${incidentId}/acknowledge`, { method: 'POST', body: {} });
    expect(ack.status).toBe(500);
    expect(ack.headers.get('content-type')).toContain('application/problem+json');
    expect(ack.headers.get('retry-after')).toBeNull();
    expect(ack.body).toMatchObject({ errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });
});
