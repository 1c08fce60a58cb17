import type { IncidentLiveState } from '../../../../libs/contracts';
import { stateAfterResolvedWithoutWorkflow } from './resolve-without-workflow';

describe('the answer to a resolve of an incident whose workflow was closed outside Vigil', () => {
  const incidentId = '01a210b4-1332-719d-a1cc-58e0a57f0820';
  const resolved = { from: 'acknowledged' as const, severity: 'critical' as const, at: '2026-11-25T02:00:00.000Z' };

  it("adds the resolve to the closed run's last state, with the record's severity", () => {
    const last: IncidentLiveState = {
      incidentId,
      status: 'acknowledged',
      severity: 'warning',
      lastCommandSeq: 4,
      transitions: [
        { from: null, to: 'triggered', actor: 'vigil', at: '2026-11-25T01:00:00.000Z' },
        { from: 'triggered', to: 'acknowledged', actor: 'apikey:oncall', at: '2026-11-25T01:05:00.000Z' },
      ],
    };
    expect(stateAfterResolvedWithoutWorkflow(last, incidentId, 'apikey:lead', resolved)).toEqual({
      ...last,
      status: 'resolved',
      severity: 'critical',
      transitions: [...last.transitions, { from: 'acknowledged', to: 'resolved', actor: 'apikey:lead', at: '2026-11-25T02:00:00.000Z' }],
    });
  });

  it('answers with the resolve alone when no worker could tell the last state', () => {
    expect(stateAfterResolvedWithoutWorkflow(null, incidentId, 'apikey:lead', resolved)).toEqual({
      incidentId,
      status: 'resolved',
      severity: 'critical',
      lastCommandSeq: 0,
      transitions: [{ from: 'acknowledged', to: 'resolved', actor: 'apikey:lead', at: '2026-11-25T02:00:00.000Z' }],
    });
  });
});
