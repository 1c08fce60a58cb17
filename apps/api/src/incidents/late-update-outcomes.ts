import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';

/** How long an update a request gave up on is still followed: Temporal holds it until a worker takes it. */
export const LATE_UPDATE_FOLLOW_MS = 60 * 60 * 1000;

export type LateUpdateOutcome = { outcome: 'accepted' } | { outcome: 'rejected'; reason: string };

/**
 * An acknowledge or resolve that no worker took before its request gave up (503) may still be taken
 * later, or refused by the workflow's validator. This waits for that outcome in the background and
 * hands it over to be audited, so that the timeline says which request took effect. A process that
 * stops meanwhile stops waiting: its `requested` event then stands alone (the workflow's own state
 * change, if any, is audited with the actor).
 */
@Injectable()
export class LateUpdateOutcomes implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LateUpdateOutcomes.name);
  private readonly stopping = new AbortController();
  private readonly following = new Set<Promise<void>>();

  constructor(private readonly client: Client) {}

  follow(workflowId: string, updateId: string, record: (outcome: LateUpdateOutcome) => Promise<void>): void {
    const followed = this.outcomeOf(workflowId, updateId)
      .then((outcome) => outcome && record(outcome))
      .catch((error: unknown) => this.logger.warn(`could not audit the late outcome of update ${updateId} of ${workflowId}: ${String(error)}`))
      .finally(() => this.following.delete(followed));
    this.following.add(followed);
  }

  /** The outcome, or undefined when none came in time (or this process is stopping, or Temporal lost the update). */
  private async outcomeOf(workflowId: string, updateId: string): Promise<LateUpdateOutcome | undefined> {
    const update = this.client.workflow.getHandle(workflowId).getUpdateHandle(updateId);
    const deadline = Date.now() + LATE_UPDATE_FOLLOW_MS;
    try {
      await this.client.connection.withAbortSignal(this.stopping.signal, () => this.client.connection.withDeadline(deadline, () => update.result()));
      return { outcome: 'accepted' };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) return { outcome: 'rejected', reason: error.cause?.message ?? error.message };
      if (!this.stopping.signal.aborted) this.logger.warn(`gave up following update ${updateId} of ${workflowId}: ${String(error)}`);
      return undefined;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.following);
  }
}
