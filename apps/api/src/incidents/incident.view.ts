import { z } from 'zod';
import type { IncidentLiveState } from '../../../../libs/contracts';
import { INCIDENT_STATUSES, SEVERITIES } from '../../../../libs/domain';
import type { IncidentEntity } from '../../../../libs/persistence';
import { isoTime } from '../http/openapi-schema';
import { LIVE_WORKFLOW_UNAVAILABLE } from './live-workflow';

const status = z.enum(INCIDENT_STATUSES);

/** An incident as the API answers it (the list's items, and the base of the detail). */
export const incidentViewSchema = z.strictObject({
  id: z.uuid(),
  status,
  severity: z.enum(SEVERITIES),
  service: z.string(),
  alertname: z.string(),
  title: z.string(),
  fingerprint: z.string(),
  labels: z.record(z.string(), z.string()),
  occurrenceCount: z.int().min(1).describe('alerts that opened or repeated it'),
  firstSeenAt: isoTime,
  lastSeenAt: isoTime,
  acknowledgedAt: isoTime.nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: isoTime.nullable(),
  resolvedBy: z.string().nullable(),
  workflowId: z.string(),
  traceId: z.string().nullable().describe('the trace of the request that opened it'),
  createdAt: isoTime,
});

export type IncidentView = z.infer<typeof incidentViewSchema>;

/** The workflow's live state (its query), also the answer to acknowledge and resolve. */
export const liveStateSchema = z.strictObject({
  incidentId: z.uuid(),
  status,
  severity: z.enum(SEVERITIES),
  lastCommandSeq: z.int().describe('the last intake command the workflow applied'),
  transitions: z.array(z.strictObject({ from: status.nullable(), to: status, actor: z.string(), at: isoTime })),
}) satisfies z.ZodType<IncidentLiveState>;

/** Temporal's execution status of the workflow's latest run, in lower case. */
export const WORKFLOW_EXECUTIONS = ['unspecified', 'running', 'completed', 'failed', 'cancelled', 'terminated', 'continued_as_new', 'timed_out', 'paused', 'unknown'] as const;
export type WorkflowExecution = (typeof WORKFLOW_EXECUTIONS)[number];

const workflowLink = { id: z.string(), firstRunId: z.string().nullable().describe('the run it started as; later runs (continue-as-new) share the id') };

export const incidentDetailSchema = incidentViewSchema.extend({
  workflow: z.union([
    z.strictObject({
      ...workflowLink,
      available: z.literal(true),
      execution: z.enum(WORKFLOW_EXECUTIONS).describe('the latest run in Temporal: a closed run (terminated in the Temporal UI, say) still answers with its last state'),
      state: liveStateSchema,
    }),
    z.strictObject({ ...workflowLink, available: z.literal(false), reason: z
        .enum(LIVE_WORKFLOW_UNAVAILABLE)
        .describe(
          'not_started: its start command is still in the outbox; no_longer_in_temporal: it was started, and Temporal no longer has it (deleted, or closed and past the namespace retention); no_answer: no worker answered its query; unreachable: Temporal did not answer',
        ),
    }),
  ]),
  links: z.strictObject({ self: z.string(), alerts: z.string(), audit: z.string(), temporalUi: z.url() }),
});

export type IncidentDetail = z.infer<typeof incidentDetailSchema>;

export const nextCursorSchema = z.string().nullable().describe('pass as `cursor` for the next page; null on the last page');

export const incidentPageSchema = z.strictObject({ items: z.array(incidentViewSchema), nextCursor: nextCursorSchema });

export type IncidentPage = z.infer<typeof incidentPageSchema>;

export function toIncidentView(entity: IncidentEntity): IncidentView {
  return {
    id: entity.id,
    status: entity.status,
    severity: entity.severity,
    service: entity.service,
    alertname: entity.alertname,
    title: entity.title,
    fingerprint: entity.fingerprint,
    labels: entity.labels,
    occurrenceCount: entity.occurrenceCount,
    firstSeenAt: entity.firstSeenAt.toISOString(),
    lastSeenAt: entity.lastSeenAt.toISOString(),
    acknowledgedAt: entity.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: entity.acknowledgedBy,
    resolvedAt: entity.resolvedAt?.toISOString() ?? null,
    resolvedBy: entity.resolvedBy,
    workflowId: entity.workflowId,
    traceId: entity.traceId,
    createdAt: entity.createdAt.toISOString(),
  };
}
