export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Whether a value read from elsewhere (a workflow's answer, a search attribute) is one of the statuses. */
export function isIncidentStatus(value: unknown): value is IncidentStatus {
  return (INCIDENT_STATUSES as readonly unknown[]).includes(value);
}

const ALLOWED: Record<IncidentStatus, readonly IncidentStatus[]> = {
  triggered: ['acknowledged', 'resolved'],
  acknowledged: ['resolved'],
  resolved: [],
};

export function canTransition(from: IncidentStatus, to: IncidentStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** Whether an incident at `status` is already at `to` or past it: moving it to `to` changes nothing. */
export function isAtOrPast(status: IncidentStatus, to: IncidentStatus): boolean {
  return INCIDENT_STATUSES.indexOf(status) >= INCIDENT_STATUSES.indexOf(to);
}
