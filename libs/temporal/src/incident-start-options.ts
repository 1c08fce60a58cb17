import { WorkflowIdReusePolicy } from '@temporalio/client';
import type { VigilConfig } from '../../config';
import {
  incidentWorkflowId,
  VigilService,
  VigilSeverity,
  VigilStatus,
  type IncidentWorkflowInput,
} from '../../contracts';

/**
 * How every path (outbox dispatch, acknowledge/resolve) starts an incident workflow if it is not
 * running yet. Reuse is rejected: a command for a closed incident must never start it again.
 */
export function incidentStartOptions(input: IncidentWorkflowInput, config: VigilConfig) {
  return {
    workflowId: incidentWorkflowId(input.incidentId),
    taskQueue: config.temporal.taskQueue,
    args: [input] as [IncidentWorkflowInput],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [
      { key: VigilSeverity, value: input.severity },
      { key: VigilService, value: input.service },
      { key: VigilStatus, value: 'triggered' },
    ],
    // Severity can change while the incident is open, so it lives in the search attribute and the workflow's current details.
    staticSummary: `${input.service}: ${input.title}`.slice(0, 400),
    staticDetails: `Incident ${input.incidentId}, fingerprint ${input.fingerprint}, alert ${input.alertname}`,
  };
}
