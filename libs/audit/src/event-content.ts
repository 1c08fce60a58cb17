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
const sentinels: Array<{ value: string; json: string }> = [];

function sentinel(i: number): { value: string; json: string } {
  for (let n = sentinels.length; n <= i; n++) {
    const value = `${SENTINEL_PREFIX}${n}`;
    sentinels.push({ value, json: JSON.stringify(value) });
  }
  return sentinels[i];
}

/**
 * An event's canonical text cut at values only the database will know (SQL `audit_fill`):
 * filling hole i with its value as JSON (a string, or null) between parts i and i + 1 gives
 * exactly the text `eventContentText` gives for the whole event. Holes must be listed in the
 * order they occur in that text (canonical key order).
 *
 * Intake cuts one of these per alert, so the text of each shape of event (its data keys and
 * holes) is laid out once; an event then only has its values checked and written in.
 */
export function eventContentTemplate(event: AuditEventInput, holes: readonly ContentHole[], id: string, now: Date): string[] {
  const content = buildEventContent(event, id, now);
  const dataHoles = new Set(holes.filter((hole) => hole.startsWith('data.')).map((hole) => hole.slice('data.'.length)));
  const dataKeys = Object.keys(content.data).filter((key) => content.data[key] !== undefined && !dataHoles.has(key));
  const parts: string[] = [];
  let text = '';
  for (const slot of layoutOf(content, dataKeys, holes)) {
    if (slot.kind === 'text') text += slot.text;
    else if (slot.kind === 'hole') {
      parts.push(text);
      text = '';
    } else text += canonicalJson(slot.kind === 'field' ? content[slot.key] : content.data[slot.key]);
  }
  parts.push(text);
  return parts;
}

/** A shape's canonical text, in order: literal text, the holes, and where each value goes. */
type Slot = { kind: 'text'; text: string } | { kind: 'hole' } | { kind: 'field'; key: keyof EventContent } | { kind: 'data'; key: string };

const MAX_LAYOUTS = 256;
const layouts = new Map<string, Slot[]>();

function layoutOf(content: EventContent, dataKeys: string[], holes: readonly ContentHole[]): Slot[] {
  const shape = `${holes.join(',')}|${dataKeys.join(',')}`;
  let layout = layouts.get(shape);
  if (!layout) {
    layout = layOut(content, dataKeys, holes);
    if (layouts.size < MAX_LAYOUTS) layouts.set(shape, layout);
  }
  return layout;
}

/** Writes the event with a placeholder for every value and every hole, and cuts the text at them. */
function layOut(content: EventContent, dataKeys: string[], holes: readonly ContentHole[]): Slot[] {
  const meanings: Slot[] = [];
  const mark = (meaning: Slot): string => sentinel(meanings.push(meaning) - 1).value;
  const holeMarks = new Map(holes.map((hole) => [hole as string, mark({ kind: 'hole' })]));
  const data: Record<string, unknown> = {};
  for (const key of dataKeys) data[key] = mark({ kind: 'data', key });
  const placeholders: Record<string, unknown> = { data };
  for (const key of Object.keys(content) as Array<keyof EventContent>) {
    if (key !== 'data') placeholders[key] = holeMarks.get(key) ?? mark({ kind: 'field', key });
  }
  for (const hole of holes) if (hole.startsWith('data.')) data[hole.slice('data.'.length)] = holeMarks.get(hole);

  const text = canonicalJson(placeholders);
  const found = meanings.map((meaning, i) => ({ meaning, at: text.indexOf(sentinel(i).json), length: sentinel(i).json.length }));
  found.sort((a, b) => a.at - b.at);
  const holeOrder = found.filter((f) => f.meaning.kind === 'hole').map((f) => meanings.indexOf(f.meaning));
  holeOrder.forEach((index, i) => {
    if (index !== i) throw new AuditInputError(`content template: hole ${holes[i]} is not where the order given puts it`);
  });
  const slots: Slot[] = [];
  let from = 0;
  for (const { meaning, at, length } of found) {
    if (at > from) slots.push({ kind: 'text', text: text.slice(from, at) });
    slots.push(meaning);
    from = at + length;
  }
  if (from < text.length) slots.push({ kind: 'text', text: text.slice(from) });
  return slots;
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
