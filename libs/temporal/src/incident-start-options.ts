import { WorkflowIdReusePolicy } from '@temporalio/client';
import type { VigilConfig } from '../../config';
import {
  incidentWorkflowId,
  VigilService,
  VigilSeverity,
  VigilStatus,
  type IncidentWorkflowInput,
} from '../../contracts';

const SUMMARY_MAX_LENGTH = 400;

/** `text` cut to at most `max` UTF-16 code units, never between the two halves of a surrogate pair (an emoji would show as �). */
export function cutText(text: string, max: number): string {
  const cut = text.slice(0, max);
  return cut.length < text.length && /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

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
      { key: VigilStatus, value: input.continued?.status ?? 'triggered' },
    ],
    // Severity can change while the incident is open, so it lives in the search attribute and the workflow's current details.
    staticSummary: cutText(`${input.service}: ${input.title}`, SUMMARY_MAX_LENGTH),
    staticDetails: `Incident ${input.incidentId}, fingerprint ${input.fingerprint}, alert ${input.alertname}`,
  };
}
