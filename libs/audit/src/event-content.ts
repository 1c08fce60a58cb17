import { AuditInputError } from './audit-input-error';
import type { AuditEventInput, AuditEventRecord } from './audit.types';
import { assertChainId, normaliseUuid } from './chain-ids';
import { canonicalJson } from './canonical-json';

/** Everything an event's hash covers besides its seq and its chain's previous hash. */
export interface EventContent {
  id: string;
  chainId: string;
  occurredAt: string;
  type: string;
  actor: string;
  incidentId: string | null;
  traceId: string | null;
  spanId: string | null;
  workflowId: string | null;
  runId: string | null;
  idempotencyKey: string | null;
  data: Record<string, unknown>;
}

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
