import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IncidentStatus, Severity } from '../../domain';

export const INCIDENT_TASK_QUEUE = 'vigil-incidents';
export const INCIDENT_WORKFLOW_TYPE = 'incidentWorkflow';

/** The failure type of the workflow's refusal of an acknowledge or resolve (its update validator). */
export const TRANSITION_NOT_ALLOWED = 'TransitionNotAllowed';
/** The failure type of an acknowledge or resolve whose request is malformed (sent by hand, not by Vigil's API). */
export const INVALID_REQUEST = 'InvalidRequest';

/** What a run starts from: the incident as intake opened it, or as its record stands when an acknowledge or resolve starts the run. */
export interface IncidentWorkflowInput {
  incidentId: string;
  fingerprint: string;
  title: string;
  service: string;
  alertname: string;
  severity: Severity;
  /**
   * The state the run carries on from: the last run's when it continued as new, or the record's when
   * an acknowledge or resolve starts a fresh run for an incident already further along. The name is
   * kept: it is in the histories of running workflows.
   */
  continued?: IncidentLiveState;
}

/** The workflow input from an incident record. (Intake builds the same input in SQL, in `intake_accept`.) */
export function incidentWorkflowInput(incident: { id: string } & Omit<IncidentWorkflowInput, 'incidentId'>): IncidentWorkflowInput {
  const { id, fingerprint, title, service, alertname, severity } = incident;
  return { incidentId: id, fingerprint, title, service, alertname, severity };
}

/**
 * A command from the outbox. `seq` is the outbox row id: it grows per incident, so the workflow
 * drops any command it has already applied (a redelivery) or that an applied one superseded.
 */
export type IncidentCommand =
  | { seq: number; kind: 'opened'; actor: string }
  | { seq: number; kind: 'resolve'; actor: string; reason: string }
  | { seq: number; kind: 'severity'; actor: string; severity: Severity };

type WithoutSeq<C> = C extends unknown ? Omit<C, 'seq'> : never;

/** A command as queued, before the outbox row gives it its `seq`. */
export type QueuedIncidentCommand = WithoutSeq<IncidentCommand>;

export interface TransitionRequest {
  actor: string;
  note?: string;
}

export interface IncidentTransitionRecord {
  from: IncidentStatus | null;
  to: IncidentStatus;
  actor: string;
  at: string;
}

export interface IncidentLiveState {
  incidentId: string;
  status: IncidentStatus;
  severity: Severity;
  lastCommandSeq: number;
  transitions: IncidentTransitionRecord[];
}

export const incidentCommandSignal = defineSignal<[IncidentCommand]>('incidentCommand');
export const acknowledgeUpdate = defineUpdate<IncidentLiveState, [TransitionRequest]>('acknowledge');
export const resolveUpdate = defineUpdate<IncidentLiveState, [TransitionRequest]>('resolve');
export const incidentStateQuery = defineQuery<IncidentLiveState>('state');
