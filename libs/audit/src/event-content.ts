import { randomBytes } from 'crypto';
import { AuditInputError } from './audit-input-error';
import type { AuditEventInput, AuditEventRecord } from './audit.types';
import { assertChainId, normaliseUuid } from './chain-ids';
import { canonicalJson } from './canonical-json';

/** Everything an event's hash covers besides its seq and its chain's previous hash. */
export type EventContent = Omit<AuditEventRecord, 'seq' | 'prevHash' | 'hash'>;

const MAX_YEAR = 9999;

/** Validates an input and fixes every value to the form PostgreSQL will hand back. */
export function buildEventContent(input: AuditEventInput, id: string, now: Date): EventContent {
  assertChainId(input.chainId);
  return {
    id: normaliseUuid(id, 'id'),
    chainId: input.chainId,
    occurredAt: toIsoMillis(input.occurredAt ?? now),
    type: requiredText(input.type, 'type'),
    actor: requiredText(input.actor, 'actor'),
    incidentId: input.incidentId == null ? null : normaliseUuid(input.incidentId, 'incidentId'),
    traceId: optionalText(input.traceId, 'traceId'),
    spanId: optionalText(input.spanId, 'spanId'),
    workflowId: optionalText(input.workflowId, 'workflowId'),
    runId: optionalText(input.runId, 'runId'),
    idempotencyKey: optionalText(input.idempotencyKey, 'idempotencyKey'),
    data: plainObject(input.data ?? {}),
  };
}

/** The exact text that is hashed (and that the SQL append function stores the columns from). */
export function eventContentText(content: EventContent): string {
  return canonicalJson(content);
}

/** A value of an event that only the database will know: a top-level field or a key of `data`. */
export type ContentHole = 'chainId' | 'incidentId' | 'workflowId' | `data.${string}`;

// Control characters are written as \u escapes, so no stored string's text can contain a
// sentinel's text; the per-process nonce keeps even a string naming it apart.
const SENTINEL_PREFIX = `\u0001${randomBytes(9).toString('hex')}:`;

/**
 * An event's canonical text cut at values only the database will know (SQL `audit_fill`):
 * filling hole i with its value as JSON (a string, or null) between parts i and i + 1 gives
 * exactly the text `eventContentText` gives for the whole event. Holes must be listed in the
 * order they occur in that text (canonical key order); placeholders stand in for them meanwhile.
 */
export function eventContentTemplate(event: AuditEventInput, holes: readonly ContentHole[], id: string, now: Date): string[] {
  const content = buildEventContent(event, id, now);
  const data: Record<string, unknown> = { ...content.data };
  const holed: Record<string, unknown> = { ...content, data };
  holes.forEach((hole, i) => {
    const sentinel = `${SENTINEL_PREFIX}${i}`;
    if (hole.startsWith('data.')) data[hole.slice('data.'.length)] = sentinel;
    else holed[hole] = sentinel;
  });
  const text = canonicalJson(holed);
  const parts: string[] = [];
  let from = 0;
  holes.forEach((hole, i) => {
    const at = text.indexOf(JSON.stringify(`${SENTINEL_PREFIX}${i}`), from);
    if (at < 0) throw new AuditInputError(`content template: hole ${hole} is not where the order given puts it`);
    parts.push(text.slice(from, at));
    from = at + JSON.stringify(`${SENTINEL_PREFIX}${i}`).length;
  });
  parts.push(text.slice(from));
  return parts;
}

export function contentOfRecord(r: AuditEventRecord): EventContent {
  return {
    id: r.id,
    chainId: r.chainId,
    occurredAt: r.occurredAt,
    type: r.type,
    actor: r.actor,
    incidentId: r.incidentId,
    traceId: r.traceId,
    spanId: r.spanId,
    workflowId: r.workflowId,
    runId: r.runId,
    idempotencyKey: r.idempotencyKey,
    data: r.data,
  };
}

function requiredText(value: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new AuditInputError(`${field}: required`);
  return value;
}

function plainObject(value: Record<string, unknown>): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AuditInputError('data: must be an object');
  return value;
}

function optionalText(value: string | null | undefined, field: string): string | null {
  if (value == null) return null;
  if (typeof value !== 'string') throw new AuditInputError(`${field}: must be a string`);
  return value;
}

/** Millisecond ISO form, the precision both JavaScript and the stored row keep. */
export function toIsoMillis(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > MAX_YEAR) {
    throw new AuditInputError(`occurredAt: "${String(value)}" is not a date between years 1 and ${MAX_YEAR}`);
  }
  return date.toISOString();
}
