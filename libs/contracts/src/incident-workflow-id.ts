const PREFIX = 'incident-';

export function incidentWorkflowId(incidentId: string): string {
  return `${PREFIX}${incidentId}`;
}

/** The incident a workflow id belongs to, or null for workflows that are not incident workflows. */
export function incidentIdOfWorkflow(workflowId: string): string | null {
  return workflowId.startsWith(PREFIX) ? workflowId.slice(PREFIX.length) : null;
}
