import { startInputFromRecord, type IncidentRecordSoFar } from './start-input-from-record';

describe('the input of a run that an acknowledge, a resolve or a queued command starts', () => {
  const record: IncidentRecordSoFar = {
    id: '01a210b4-1332-719d-a1cc-58e0a57f0820',
    fingerprint: 'fp',
    title: 'HighErrorRate on checkout',
    service: 'checkout',
    alertname: 'HighErrorRate',
    severity: 'high',
    status: 'triggered',
    createdAt: new Date('2026-11-25T01:00:00.000Z'),
    acknowledgedAt: null,
    acknowledgedBy: null,
  };

  it('starts afresh while the incident is triggered (its start command still on its way)', () => {
    expect(startInputFromRecord(record)).toEqual({
      incidentId: record.id,
      fingerprint: 'fp',
      title: 'HighErrorRate on checkout',
      service: 'checkout',
      alertname: 'HighErrorRate',
      severity: 'high',
    });
  });

  it('carries on from an acknowledged record, with the transitions the record knows', () => {
    const acknowledgedAt = new Date('2026-11-25T01:05:00.000Z');
    const input = startInputFromRecord({ ...record, status: 'acknowledged', acknowledgedAt, acknowledgedBy: 'apikey:oncall' });
    expect(input.continued).toEqual({
      incidentId: record.id,
      status: 'acknowledged',
      severity: 'high',
      lastCommandSeq: 0,
      transitions: [
        { from: null, to: 'triggered', actor: 'vigil', at: '2026-11-25T01:00:00.000Z' },
        { from: 'triggered', to: 'acknowledged', actor: 'apikey:oncall', at: '2026-11-25T01:05:00.000Z' },
      ],
    });
  });

  it('starts afresh from a resolved record, which its queued resolve command closes', () => {
    const resolved = startInputFromRecord({ ...record, status: 'resolved', acknowledgedAt: new Date('2026-11-25T01:05:00.000Z'), acknowledgedBy: 'apikey:oncall' });
    expect(resolved).toEqual(startInputFromRecord(record));
  });
});
