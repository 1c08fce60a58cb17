import { isIncidentCommand, transitionRequestProblem } from './well-formed';

describe('what the incident workflow takes from a signal or an update', () => {
  it("takes Vigil's own commands and nothing shaped otherwise", () => {
    for (const command of [{ seq: 1, kind: 'opened', actor: 'vigil' }, { seq: 2, kind: 'resolve', actor: 'alertmanager', reason: 'resolved alert' }, { seq: 3, kind: 'severity', actor: 'alerts', severity: 'info' }]) {
      expect({ command, ok: isIncidentCommand(command) }).toEqual({ command, ok: true });
    }
    for (const command of [null, 'resolve', [], { kind: 'resolve', actor: 'a', reason: 'r' }, { seq: 0, kind: 'opened', actor: 'a' }, { seq: 2, kind: 'resolve', actor: '', reason: 'r' }, { seq: 2, kind: 'resolve', actor: 'a' }, { seq: 3, kind: 'severity', actor: 'a', severity: 'bogus' }, { seq: 4, kind: 'reboot', actor: 'a' }]) {
      expect({ command, ok: isIncidentCommand(command) }).toEqual({ command, ok: false });
    }
  });

  it('takes an acknowledge or resolve that names its actor', () => {
    expect(transitionRequestProblem({ actor: 'apikey:ops', note: 'on it' })).toBeUndefined();
    expect(transitionRequestProblem({ actor: 'apikey:ops' })).toBeUndefined();
    for (const request of [undefined, null, {}, { actor: ' ' }, { actor: 7 }, { actor: 'a', note: 5 }]) expect(transitionRequestProblem(request)).toEqual(expect.any(String));
  });
});
