import type { AlertEntity } from '../../../../libs/persistence';

/** An alert as stored, as a responder reads it among its incident's alerts. */
export interface AlertView {
  id: string;
  incidentId: string | null;
  status: string;
  severity: string;
  /** What intake did with it: created, deduplicated, resolved (or no_open_incident). */
  outcome: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string | null;
  endsAt: string | null;
  source: string;
  actor: string;
  traceId: string | null;
  receivedAt: string;
}

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
