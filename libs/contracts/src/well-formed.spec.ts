import { isIncidentCommand, isRecordableActor, MAX_ACTOR_LENGTH, transitionRequestProblem } from './well-formed';

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

  it('takes only an actor that PostgreSQL and the audit log can record', () => {
    for (const actor of ['apikey:ops', `apikey:${'k'.repeat(100)}`, 'x'.repeat(MAX_ACTOR_LENGTH), 'Zoë 🚨']) {
      expect({ actor, ok: isRecordableActor(actor) }).toEqual({ actor, ok: true });
      expect(transitionRequestProblem({ actor })).toBeUndefined();
    }
    for (const actor of ['ops\u0000', 'ops\ud800', '\udc00ops', 'x'.repeat(MAX_ACTOR_LENGTH + 1)]) {
      expect({ actor, ok: isRecordableActor(actor) }).toEqual({ actor, ok: false });
      expect(transitionRequestProblem({ actor })).toMatch(/^the actor must be at most 256 characters/);
    }
  });
});
