import { SEVERITIES } from '../../domain';
import type { IncidentCommand } from './incident-workflow.contract';

/**
 * What the incident workflow takes from a signal or an update: Vigil sends only well-formed ones,
 * but anyone with the Temporal UI or CLI can send another. Pure checks, for the workflow.
 */
const nonEmptyText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';
const record = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function isIncidentCommand(value: unknown): value is IncidentCommand {
  if (!record(value) || !Number.isSafeInteger(value.seq) || (value.seq as number) < 1 || !nonEmptyText(value.actor)) return false;
  switch (value.kind) {
    case 'opened':
      return true;
    case 'resolve':
      return typeof value.reason === 'string';
    case 'severity':
      return (SEVERITIES as readonly unknown[]).includes(value.severity);
    default:
      return false;
  }
}

/** Longer than any actor Vigil writes (an API key's name is at most 100 characters, with a prefix). */
export const MAX_ACTOR_LENGTH = 256;

/**
 * Whether the transition's activity can record this actor: PostgreSQL text refuses NUL, and the
 * audit log's hashed JSON a lone surrogate. A state moved by an actor that cannot be recorded would
 * stay unrecorded for good, and every later transition would wait behind it.
 */
export function isRecordableActor(actor: string): boolean {
  return actor.length <= MAX_ACTOR_LENGTH && !actor.includes('\u0000') && actor.isWellFormed();
}

/** Why an acknowledge or resolve request cannot be taken, or undefined when it can. */
export function transitionRequestProblem(value: unknown): string | undefined {
  if (!record(value)) return 'the request must be an object with an actor';
  if (!nonEmptyText(value.actor)) return 'the request must name its actor (a non-empty string)';
  if (!isRecordableActor(value.actor)) return `the actor must be at most ${MAX_ACTOR_LENGTH} characters, with no NUL character or lone surrogate`;
  if (value.note !== undefined && value.note !== null && typeof value.note !== 'string') return 'the note must be a string';
  return undefined;
}
