import { canTransition, identifyingLabelsKey, incidentTitle, INCIDENT_STATUSES, isAtOrPast, type CanonicalAlert, type IncidentStatus } from '..';

describe('incident transitions', () => {
  const allowed: Array<[IncidentStatus, IncidentStatus]> = [
    ['triggered', 'acknowledged'],
    ['triggered', 'resolved'],
    ['acknowledged', 'resolved'],
  ];
  for (const from of INCIDENT_STATUSES) {
    for (const to of INCIDENT_STATUSES) {
      const expected = allowed.some(([a, b]) => a === from && b === to);
      it(`${from} → ${to} is ${expected ? 'allowed' : 'refused'}`, () => {
        expect(canTransition(from, to)).toBe(expected);
      });
    }
  }
  it('orders the statuses triggered < acknowledged < resolved', () => {
    expect(INCIDENT_STATUSES.filter((status) => isAtOrPast(status, 'acknowledged'))).toEqual(['acknowledged', 'resolved']);
    expect(INCIDENT_STATUSES.filter((status) => isAtOrPast('acknowledged', status))).toEqual(['triggered', 'acknowledged']);
  });
});

describe('identifyingLabelsKey', () => {
  it('does not depend on label order', () => {
    expect(identifyingLabelsKey({ a: '1', b: '2', service: 's' })).toBe(identifyingLabelsKey({ service: 's', b: '2', a: '1' }));
  });
  it('ignores severity, so a severity change stays the same incident', () => {
    expect(identifyingLabelsKey({ alertname: 'A', severity: 'critical' })).toBe(identifyingLabelsKey({ alertname: 'A', severity: 'info' }));
  });
  it.each([
    [{ a: 'x=y' }, { 'a="x': 'y' }],
    [{ a: 'b\nc' }, { a: 'b', c: '' }],
    [{ ab: 'c' }, { a: 'bc' }],
  ])('keeps label sets apart that naive joining would merge: %j vs %j', (left, right) => {
    expect(identifyingLabelsKey(left)).not.toBe(identifyingLabelsKey(right));
  });
});

describe('incidentTitle', () => {
  const base: CanonicalAlert = { labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical' }, annotations: {}, status: 'firing' };
  it('uses the summary when there is one', () => {
    expect(incidentTitle({ ...base, annotations: { summary: ' error rate 7% ' } })).toBe('HighErrorRate: error rate 7%');
  });
  it('falls back to alert and service', () => {
    expect(incidentTitle(base)).toBe('HighErrorRate on checkout');
  });
});
