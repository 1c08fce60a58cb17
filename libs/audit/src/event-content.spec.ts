import { AuditInputError } from './audit-input-error';
import type { AuditEventInput } from './audit.types';
import { buildEventContent, eventContentTemplate, eventContentText, toIsoMillis, type ContentHole } from './event-content';

const ID = '6F9619FF-8B86-4011-B42D-00C04FC964FF';
const NOW = new Date('2025-06-01T12:00:00.123Z');
const base: AuditEventInput = { chainId: 'system', type: 'api.started', actor: 'system' };

describe('buildEventContent', () => {
  it('fills defaults and lower-cases uuids, as PostgreSQL prints them', () => {
    const content = buildEventContent({ ...base, incidentId: ID.replace('6F', '7A') }, ID, NOW);
    expect(content).toEqual({
      id: ID.toLowerCase(),
      chainId: 'system',
      occurredAt: '2025-06-01T12:00:00.123Z',
      type: 'api.started',
      actor: 'system',
      incidentId: ID.replace('6F', '7A').toLowerCase(),
      traceId: null,
      spanId: null,
      workflowId: null,
      runId: null,
      idempotencyKey: null,
      data: {},
    });
  });

  it('hashes a fixed text: keys sorted, nulls written', () => {
    expect(eventContentText(buildEventContent({ ...base, data: { b: 1, a: 2 } }, ID, NOW))).toBe(
      '{"actor":"system","chainId":"system","data":{"a":2,"b":1},"id":"6f9619ff-8b86-4011-b42d-00c04fc964ff",' +
        '"idempotencyKey":null,"incidentId":null,"occurredAt":"2025-06-01T12:00:00.123Z","runId":null,"spanId":null,' +
        '"traceId":null,"type":"api.started","workflowId":null}',
    );
  });

  it.each<[string, Partial<AuditEventInput>]>([
    ['an empty chain id', { chainId: '' }],
    ['a chain id with a space', { chainId: 'incident: x' }],
    ['a chain id starting with $', { chainId: '$checkpoints' }],
    ['a chain id over 200 characters', { chainId: 'x'.repeat(201) }],
    ['an empty type', { type: '' }],
    ['an empty actor', { actor: '' }],
    ['an incident id that is not a uuid', { incidentId: 'inc-1' }],
    ['a non-string trace id', { traceId: 42 as unknown as string }],
    ['a NUL in the actor', { actor: 'a\u0000' }],
    ['data that is not an object', { data: [1] as unknown as Record<string, unknown> }],
    ['an invalid date', { occurredAt: 'yesterday' }],
    ['a year past 9999', { occurredAt: new Date(Date.UTC(10000, 0, 1)) }],
  ])('rejects %s', (_name, patch) => {
    expect(() => eventContentText(buildEventContent({ ...base, ...patch }, ID, NOW))).toThrow(AuditInputError);
  });
});

describe('toIsoMillis', () => {
  it.each<[Date | string, string]>([
    ['2025-01-01T00:00:00.123456Z', '2025-01-01T00:00:00.123Z'],
    ['2025-01-01T02:00:00.579+02:00', '2025-01-01T00:00:00.579Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
  ])('%s -> %s', (input, expected) => {
    expect(toIsoMillis(input)).toBe(expected);
  });
});

describe('eventContentTemplate', () => {
  const holes: ContentHole[] = ['chainId', 'data.outcome', 'incidentId', 'workflowId'];
  const fill = (parts: string[], values: Array<string | null>) => parts.reduce((text, part, i) => text + (i ? JSON.stringify(values[i - 1]) : '') + part, '');
  const incidentId = '0d8e6b2c-3f4a-4b5c-8d9e-0f1a2b3c4d5e';
  const received: AuditEventInput = {
    chainId: 'alerts:fp',
    type: 'alert.received',
    // Strings that look like the placeholders must stay themselves.
    actor: 'key:\\u0001 "quoted" \u0001',
    traceId: 'abc',
    data: { alertId: ID, fingerprint: 'fp', status: 'firing', note: '\u0001deadbeef:0' },
  };

  it('filled with the values, is exactly the text of the whole event', () => {
    const parts = eventContentTemplate(received, holes, ID, NOW);
    expect(parts).toHaveLength(5);
    const whole = { ...received, chainId: `incident:${incidentId}`, incidentId, workflowId: `incident-${incidentId}`, data: { ...received.data, outcome: 'deduplicated' } };
    expect(fill(parts, [whole.chainId, 'deduplicated', incidentId, whole.workflowId])).toBe(eventContentText(buildEventContent(whole, ID, NOW)));
  });

  it('filled with nulls, is the text of an event that belongs to no incident', () => {
    const parts = eventContentTemplate(received, holes, ID, NOW);
    const whole = { ...received, data: { ...received.data, outcome: 'no_open_incident' } };
    expect(fill(parts, ['alerts:fp', 'no_open_incident', null, null])).toBe(eventContentText(buildEventContent(whole, ID, NOW)));
  });

  it('writes each event its own values, also after its shape was laid out by another event', () => {
    const events: AuditEventInput[] = [
      received,
      { ...received, actor: 'key:other', traceId: undefined, spanId: 'span', data: { ...received.data, fingerprint: 'é "x"', note: 'n' } },
      { ...received, data: { alertId: ID, count: 3, nested: { b: [1, null], a: 'z' }, skipped: undefined } },
      { ...received, data: { count: 4, alertId: ID, nested: { a: 'y' } } },
      { ...received, data: { ...received.data, outcome: 'overwritten by the hole' } },
    ];
    for (const event of events) {
      const parts = eventContentTemplate(event, holes, ID, NOW);
      const whole = { ...event, chainId: `incident:${incidentId}`, incidentId, workflowId: null, data: { ...event.data, outcome: 'created' } };
      expect(fill(parts, [whole.chainId, 'created', incidentId, null])).toBe(eventContentText(buildEventContent(whole, ID, NOW)));
    }
  });

  it('checks the values of an event whose shape is already laid out', () => {
    eventContentTemplate(received, holes, ID, NOW);
    expect(() => eventContentTemplate({ ...received, data: { ...received.data, note: 'nul \u0000' } }, holes, ID, NOW)).toThrow(AuditInputError);
    expect(() => eventContentTemplate({ ...received, actor: '' }, holes, ID, NOW)).toThrow(AuditInputError);
  });

  it('refuses holes listed out of their order in the text', () => {
    expect(() => eventContentTemplate(received, ['incidentId', 'chainId'], ID, NOW)).toThrow(AuditInputError);
  });
});
