import type { Severity } from './severity';

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** The one shape every intake route (JSON, Alertmanager, OTLP rules) normalises to. */
export interface CanonicalAlert {
  labels: Record<string, string> & { alertname: string; service: string; severity: Severity };
  annotations: Record<string, string>;
  status: AlertStatus;
  startsAt?: string;
  endsAt?: string;
  /** A sender-chosen dedup key; when absent the fingerprint comes from the identifying labels. */
  dedupKey?: string;
}

/** Labels that describe the alert's state rather than its identity, so a change in them must not open a new incident. */
const NON_IDENTIFYING_LABELS = new Set(['severity']);

/**
 * A canonical text of the labels that identify an alert: sorted, escaped, independent of key order.
 * A label with an empty value is no label, as in Prometheus.
 */
export function identifyingLabelsKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .filter((name) => !NON_IDENTIFYING_LABELS.has(name) && labels[name] !== '')
    .sort()
    .map((name) => `${JSON.stringify(name)}=${JSON.stringify(labels[name])}`)
    .join('\n');
}

export function incidentTitle(alert: CanonicalAlert): string {
  const summary = alert.annotations.summary?.trim();
  return summary ? `${alert.labels.alertname}: ${summary}` : `${alert.labels.alertname} on ${alert.labels.service}`;
}
