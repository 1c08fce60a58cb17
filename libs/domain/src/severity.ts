export const SEVERITIES = ['critical', 'high', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Lower rank is more urgent. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}
