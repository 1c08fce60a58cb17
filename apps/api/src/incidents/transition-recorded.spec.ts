import type { IncidentLiveState } from '../../../../libs/contracts';
import { stateAfterRecorded } from './transition-recorded';

const asked = { incidentId: 'i-1', runId: 'run-1', to: 'acknowledged' as const, actor: 'apikey:alice' };
const record = { status: 'acknowledged' as const, severity: 'high' as const, recorded: { from: 'triggered' as const, at: '2026-11-25T10:00:00.000Z' } };

describe('stateAfterRecorded', () => {
  it("answers the closed run's last state when it holds the change", () => {
    const last: IncidentLiveState = {
      incidentId: 'i-1',
      status: 'acknowledged',
      severity: 'critical',
      lastCommandSeq: 1,
      transitions: [
        { from: null, to: 'triggered', actor: 'vigil', at: '2026-11-25T09:59:00.000Z' },
        { from: 'triggered', to: 'acknowledged', actor: 'apikey:alice', at: '2026-11-25T09:59:59.000Z' },
      ],
    };
    expect(stateAfterRecorded(last, 'i-1', asked, record)).toBe(last);
  });

  it('answers the recorded change, with the record\'s severity, when no worker could say or the run does not hold it', () => {
    expect(stateAfterRecorded(null, 'i-1', asked, record)).toEqual({
      incidentId: 'i-1',
      status: 'acknowledged',
      severity: 'high',
      lastCommandSeq: 0,
      transitions: [{ from: 'triggered', to: 'acknowledged', actor: 'apikey:alice', at: '2026-11-25T10:00:00.000Z' }],
    });
    const triggered: IncidentLiveState = { incidentId: 'i-1', status: 'triggered', severity: 'critical', lastCommandSeq: 1, transitions: [{ from: null, to: 'triggered', actor: 'vigil', at: 't0' }] };
    expect(stateAfterRecorded(triggered, 'i-1', asked, record)).toMatchObject({ status: 'acknowledged', severity: 'high', lastCommandSeq: 1, transitions: [{ to: 'triggered' }, { to: 'acknowledged', actor: 'apikey:alice' }] });
  });
});
