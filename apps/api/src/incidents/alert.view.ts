import { z } from 'zod';
import { ALERT_STATUSES, SEVERITIES } from '../../../../libs/domain';
import { ALERT_OUTCOMES, type AlertEntity } from '../../../../libs/persistence';
import { isoTime } from '../http/openapi-schema';
import { nextCursorSchema } from './incident.view';

/** An alert as stored, as a responder reads it among its incident's alerts. */
export const alertViewSchema = z.strictObject({
  id: z.uuid(),
  incidentId: z.uuid().nullable(),
  status: z.enum(ALERT_STATUSES),
  severity: z.enum(SEVERITIES),
  outcome: z.enum(ALERT_OUTCOMES).describe('what intake did with it'),
  fingerprint: z.string(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).describe('summary, description, runbook_url, …'),
  startsAt: isoTime.nullable(),
  endsAt: isoTime.nullable(),
  source: z.string(),
  actor: z.string().describe('the API key that sent it'),
  traceId: z.string().nullable(),
  receivedAt: isoTime,
});

export type AlertView = z.infer<typeof alertViewSchema>;

export const alertPageSchema = z.strictObject({ incidentId: z.uuid(), items: z.array(alertViewSchema), nextCursor: nextCursorSchema });

export type AlertPage = z.infer<typeof alertPageSchema>;

export function toAlertView(entity: AlertEntity): AlertView {
  return {
    id: entity.id,
    incidentId: entity.incidentId,
    status: entity.status,
    severity: entity.severity,
    outcome: entity.outcome,
    fingerprint: entity.fingerprint,
    labels: entity.labels,
    annotations: entity.annotations,
    startsAt: entity.startsAt?.toISOString() ?? null,
    endsAt: entity.endsAt?.toISOString() ?? null,
    source: entity.source,
    actor: entity.actor,
    traceId: entity.traceId,
    receivedAt: entity.receivedAt.toISOString(),
  };
}
