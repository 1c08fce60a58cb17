import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { updateFailure } from './update-failure';

/** How long an update a request gave up on is followed: Temporal holds it until a worker takes it. */
const FOLLOW_MS = 60 * 60 * 1000;
/** Updates followed at once, at most: a client that retries through a worker outage must not grow this without bound. */
export const MAX_FOLLOWED = 100;
/** One poll round: a fresh abort signal each round, as the Temporal client adds a listener per call and never removes it. */
const ROUND_MS = 30_000;
const MAX_PAUSE_MS = 60_000;

export type LateUpdateOutcome = { outcome: 'accepted' } | { outcome: 'rejected' | 'failed'; reason: string };

/**
 * An acknowledge or resolve that no worker took before its request gave up (503) may still be taken
 * later, or refused by the workflow's validator (or failed while applied). This waits for that outcome in the background and
 * hands it over to be audited, so that the timeline says which request took effect. A process that
 * stops meanwhile stops waiting: its `requested` event then stands alone (the workflow's own state
 * change, if any, is audited with the actor).
 */
@Injectable()
export class LateUpdateOutcomes implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LateUpdateOutcomes.name);
  private stopping = false;
  private readonly following = new Set<Promise<void>>();
  private readonly rounds = new Set<AbortController>();

  constructor(private readonly client: Client) {}

  follow(workflowId: string, updateId: string, record: (outcome: LateUpdateOutcome) => Promise<void>): void {
    const unfollowed = this.stopping ? 'the API is stopping' : this.following.size >= MAX_FOLLOWED ? `${MAX_FOLLOWED} updates are followed already` : undefined;
    if (unfollowed) {
      this.logger.warn(`the outcome of update ${updateId} of ${workflowId} will not be audited: ${unfollowed}`);
      return;
    }
    const followed = this.outcomeOf(workflowId, updateId)
      .then((outcome) => outcome && record(outcome))
      .catch((error: unknown) => this.logger.warn(`could not audit the late outcome of update ${updateId} of ${workflowId}: ${String(error)}`))
      .finally(() => this.following.delete(followed));
    this.following.add(followed);
  }

  /** The outcome, or undefined when none came within FOLLOW_MS or the API is stopping. */
  private async outcomeOf(workflowId: string, updateId: string): Promise<LateUpdateOutcome | undefined> {
    const update = this.client.workflow.getHandle(workflowId).getUpdateHandle(updateId);
    const giveUpAt = Date.now() + FOLLOW_MS;
    for (let pause = 1_000; !this.stopping && Date.now() < giveUpAt; ) {
      const round = new AbortController();
      this.rounds.add(round);
      try {
        await this.client.connection.withAbortSignal(round.signal, () => this.client.connection.withDeadline(Date.now() + ROUND_MS, () => update.result()));
        return { outcome: 'accepted' };
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) return updateFailure(error);
        // A round that ran out asks again at once; an error (Temporal unreachable, or the update not
        // admitted yet when asked) after a pause that doubles.
        if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) continue;
        this.logger.debug(`update ${updateId} of ${workflowId}: ${String(error)}; asking again in ${pause} ms`);
        await sleep(pause, undefined, { signal: round.signal }).catch(() => undefined);
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
      } finally {
        this.rounds.delete(round);
      }
    }
    return undefined;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const round of this.rounds) round.abort();
    while (this.following.size > 0) await Promise.all(this.following);
  }
}
