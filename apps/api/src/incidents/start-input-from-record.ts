import { incidentWorkflowInput, type IncidentTransitionRecord, type IncidentWorkflowInput } from '../../../../libs/contracts';
import type { IncidentStatus, Severity } from '../../../../libs/domain';

export interface IncidentRecordSoFar {
  id: string;
  fingerprint: string;
  title: string;
  service: string;
  alertname: string;
  severity: Severity;
  status: IncidentStatus;
  createdAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
}

/**
 * The input of a run that Vigil starts if the incident's workflow is not running: by an acknowledge
 * or resolve (update-with-start), or by delivering a queued command (signal-with-start). Usually
 * the incident is still triggered, its start command on its way from the outbox, and the run starts
 * afresh. An acknowledged record has outlived its workflow: Temporal forgot a run terminated by
 * hand (the namespace's retention). The fresh run then carries on from the record, as a run that
 * continued as new carries on from the last one, rather than starting over at triggered. A resolved
 * record also starts afresh: only a command queued before its resolve can get here, and the
 * resolve command queued after it closes the run.
 */
export function startInputFromRecord(incident: IncidentRecordSoFar): IncidentWorkflowInput {
  const input = incidentWorkflowInput(incident);
  if (incident.status !== 'acknowledged') return input;
  const transitions: IncidentTransitionRecord[] = [{ from: null, to: 'triggered', actor: 'vigil', at: incident.createdAt.toISOString() }];
  if (incident.acknowledgedAt) {
    transitions.push({ from: 'triggered', to: 'acknowledged', actor: incident.acknowledgedBy ?? 'unknown', at: incident.acknowledgedAt.toISOString() });
  }
  return { ...input, continued: { incidentId: incident.id, status: incident.status, severity: incident.severity, lastCommandSeq: 0, transitions } };
}
