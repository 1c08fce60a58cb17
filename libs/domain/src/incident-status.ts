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

export function isOpen(status: IncidentStatus): boolean {
  return status !== 'resolved';
}
