import type { IncidentEntity } from '../../../../libs/persistence';

export interface IncidentView {
  id: string;
  status: string;
  severity: string;
  service: string;
  alertname: string;
  title: string;
  fingerprint: string;
  labels: Record<string, string>;
  occurrenceCount: number;
  firstSeenAt: string;
  lastSeenAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  workflowId: string;
  traceId: string | null;
  createdAt: string;
}

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
