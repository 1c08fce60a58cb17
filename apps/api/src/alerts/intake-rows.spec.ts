import { alertChainId, type AuditEventInput, type ContentHole } from '../../../../libs/audit';
import { incidentWorkflowId } from '../../../../libs/contracts';
import type { CanonicalAlert } from '../../../../libs/domain';
import { INTAKE_AUDIT_HOLES, type AcceptedIntakeAlert, type IntakeAlert } from '../../../../libs/persistence';
import { commandsByOutcome, inFingerprintOrder, intakeRows, queuedCommands, storedIdempotencyKey, type AcceptAlertsCommand, type IntakeTrace } from './intake-rows';

const firing: CanonicalAlert = {
  labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical', region: 'eu' },
  annotations: { summary: 'errors above 5 %' },
  status: 'firing',
};
const resolved: CanonicalAlert = { ...firing, status: 'resolved' };
const other: CanonicalAlert = { ...firing, labels: { ...firing.labels, region: 'us' } };

const trace: IntakeTrace = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  carrier: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=1' },
};

/** An audit log that records each event intake asks it to cut. */
function recordingAuditLog() {
  const events: Array<{ event: AuditEventInput; holes: readonly ContentHole[] }> = [];
  return { events, contentTemplate: (event: AuditEventInput, holes: readonly ContentHole[]) => (events.push({ event, holes }), ['template']) };
}

function rows(command: Partial<AcceptAlertsCommand> & Pick<AcceptAlertsCommand, 'alerts'>): IntakeAlert[] {
  return intakeRows({ idempotencyScope: 'key-a', source: 'api', actor: 'api-key:a', ...command }, trace, recordingAuditLog());
}

describe('the Idempotency-Key as stored', () => {
  type Place = { scope: string; key: string; index: number };
  const stored = ({ scope, key, index }: Place) => storedIdempotencyKey(scope, key, index);
  it.each<[string, Place, Place]>([
    ['two senders using the same key', { scope: 'key-a', key: 'retry-1', index: 0 }, { scope: 'key-b', key: 'retry-1', index: 0 }],
    ['two alerts of one batch', { scope: 'key-a', key: 'retry-1', index: 0 }, { scope: 'key-a', key: 'retry-1', index: 1 }],
    ['two keys of one sender', { scope: 'key-a', key: 'retry-1', index: 0 }, { scope: 'key-a', key: 'retry-2', index: 0 }],
  ])('keeps %s apart', (_case, first, second) => {
    expect(stored(first)).not.toBe(stored(second));
  });

  it('gives the first alert the same key whatever the batch, so a different request under a used key meets the first one', () => {
    const single = rows({ alerts: [firing], idempotencyKey: 'retry-1' });
    const batch = rows({ alerts: [other, firing, resolved], idempotencyKey: 'retry-1' });
    expect(batch[0].idempotencyKey).toBe(single[0].idempotencyKey);
    expect(new Set(batch.map((row) => row.idempotencyKey)).size).toBe(3);
  });

  it.each([
    ['the same alerts', 'replays the first answer', [firing], true],
    ['other alerts', 'is refused', [other], false],
    ['the same alerts and more', 'is refused', [firing, other], false],
  ])('hashes the request: the key sent again with %s %s', (_case, _verdict, alerts, replays) => {
    const first = rows({ alerts: [firing], idempotencyKey: 'retry-1' })[0].idempotencyRequestHash;
    const again = rows({ alerts, idempotencyKey: 'retry-1' })[0].idempotencyRequestHash;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(again === first).toBe(replays);
  });

  it('stores neither key nor request hash when the sender sent no key', () => {
    expect(rows({ alerts: [firing, other] }).map((row) => [row.idempotencyKey, row.idempotencyRequestHash])).toEqual([
      [null, null],
      [null, null],
    ]);
  });
});

describe('the workflow commands an alert queues', () => {
  it.each([
    ['a resolved alert queues only a resolve', resolved, { resolved: { kind: 'resolve', actor: 'alice', reason: 'resolved alert received' } }],
    [
      'a firing alert opens the incident or changes its severity to the alert\'s',
      { ...firing, labels: { ...firing.labels, severity: 'warning' } },
      { created: { kind: 'opened', actor: 'alice' }, severity: { kind: 'severity', actor: 'alice', severity: 'warning' } },
    ],
  ] as const)('%s', (_case, alert, commands) => {
    expect(commandsByOutcome(alert, 'alice')).toEqual(commands);
  });
});

describe('the rows a request stores', () => {
  it.each([
    ['another severity of the same alert keeps its fingerprint (and incident)', firing, { ...firing, labels: { ...firing.labels, severity: 'info' } }, true],
    ['another identifying label gives another fingerprint', firing, other, false],
    ["the sender's dedup key decides, whatever the labels", { ...firing, dedupKey: 'order-42' }, { ...other, dedupKey: 'order-42' }, true],
  ] as const)('%s', (_case, a, b, same) => {
    const [x, y] = rows({ alerts: [a, b] });
    expect(x.fingerprint === y.fingerprint).toBe(same);
  });

  it('give each alert its own ids, increasing in the order sent, and a workflow for the incident it may open', () => {
    const stored = rows({ alerts: [firing, firing, other] });
    const ids = stored.flatMap((row) => [row.id, row.newIncidentId]);
    expect(new Set(ids).size).toBe(6);
    expect([...ids].sort()).toEqual(ids);
    for (const row of stored) expect(row.workflowId).toBe(incidentWorkflowId(row.newIncidentId));
  });

  it('carry the request\'s trace, so the incident\'s workflow joins it, and what a new incident is titled', () => {
    const [row] = rows({ alerts: [firing] });
    expect(row).toMatchObject({ traceId: trace.traceId, ...trace.carrier, title: 'HighErrorRate: errors above 5 %', severity: 'critical', source: 'api', actor: 'api-key:a' });
  });

  it('audit each alert as received, in its fingerprint\'s chain and the request\'s trace, leaving the outcome to the database', () => {
    const auditLog = recordingAuditLog();
    const [row] = intakeRows({ alerts: [firing], idempotencyScope: 'key-a', source: 'api', actor: 'alice' }, trace, auditLog);
    expect(row.audit).toEqual(['template']);
    expect(auditLog.events).toEqual([
      {
        event: {
          chainId: alertChainId(row.fingerprint),
          type: 'alert.received',
          actor: 'alice',
          traceId: trace.traceId,
          spanId: trace.spanId,
          data: { alertId: row.id, fingerprint: row.fingerprint, status: 'firing', severity: 'critical', source: 'api' },
        },
        holes: INTAKE_AUDIT_HOLES,
      },
    ]);
  });
});

describe('the order a batch is stored in', () => {
  const row = (fingerprint: string, id: string) => ({ fingerprint, id }) as IntakeAlert;
  const requests = [[row('c', 'c1'), row('a', 'a1')], [row('b', 'b1')], [row('a', 'a2'), row('c', 'c2')]];

  it('is by fingerprint, one fingerprint\'s alerts in the order they came, so concurrent batches lock incidents alike', () => {
    expect(inFingerprintOrder(requests).alerts.map((alert) => alert.id)).toEqual(['a1', 'a2', 'b1', 'c1', 'c2']);
  });

  it('gives each request back its own results, in the order it sent its alerts', () => {
    const batch = inFingerprintOrder(requests);
    expect(batch.perRequest(batch.alerts.map((alert) => `stored ${alert.id}`))).toEqual([['stored c1', 'stored a1'], ['stored b1'], ['stored a2', 'stored c2']]);
  });
});

describe('the commands handed to the dispatcher', () => {
  const [alert] = rows({ alerts: [firing] });
  const incident = { id: 'i1', status: 'triggered', occurrenceCount: 1, workflowId: 'incident-i1' } as const;
  const queued = { id: '7', payload: { command: { kind: 'opened' } } } as unknown as AcceptedIntakeAlert['queued'];

  it.each([
    ['a queued command goes to the incident\'s workflow with the request\'s trace', { alertId: 'a', outcome: 'created', replayed: false, incident, queued }, 1],
    ['a plain repeat queued nothing and sends nothing', { alertId: 'a', outcome: 'deduplicated', replayed: false, incident, queued: null }, 0],
  ] as const)('%s', (_case, accepted, count) => {
    const commands = queuedCommands([alert], [accepted]);
    expect(commands).toHaveLength(count);
    if (count) expect(commands[0]).toEqual({ id: '7', workflowId: 'incident-i1', payload: queued?.payload, ...trace.carrier, attempts: 0 });
  });
});
