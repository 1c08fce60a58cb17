export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

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
