/**
 * The incident workflow as a deploy with a bug would run it: every workflow task fails. A plain
 * Error (not an ApplicationFailure) fails the workflow task, not the workflow, and Temporal retries
 * the task for ever, as it does after a non-determinism error. Test code: a worker of the test's
 * own runs it (test/transition-failures.e2e-spec.ts).
 */
export async function incidentWorkflow(): Promise<never> {
  throw new Error('a bug in this deploy of the incident workflow');
}
