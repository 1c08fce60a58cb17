import { ApplicationFailure, CancelledFailure, Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { TRANSITION_NOT_ALLOWED } from '../../../../libs/contracts';
import { LateUpdateOutcomes, MAX_FOLLOWED, type LateUpdateOutcome } from './late-update-outcomes';

/** A poll round's answer: the outcome, or a failure; `undefined` waits until the round is aborted. */
type Round = (() => Promise<unknown>) | undefined;

/** A Temporal client whose update polls answer `rounds` in turn, recording each round's abort signal. */
function clientAnswering(rounds: Round[]) {
  const signals: AbortSignal[] = [];
  let polls = 0;
  let signal: AbortSignal | undefined;
  const update = {
    result: () => {
      const round = rounds[polls++];
      if (round) return round();
      const aborted = signal!;
      return new Promise((_resolve, reject) => aborted.addEventListener('abort', () => reject(new WorkflowUpdateRPCTimeoutOrCancelledError('cancelled'))));
    },
  };
  const client = {
    workflow: { getHandle: () => ({ getUpdateHandle: () => update }) },
    connection: {
      withAbortSignal: (abortSignal: AbortSignal, fn: () => Promise<unknown>) => {
        signals.push(abortSignal);
        signal = abortSignal;
        return fn();
      },
      withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
    },
  } as unknown as Client;
  return { client, signals, polls: () => polls };
}

const roundOver = () => Promise.reject(new WorkflowUpdateRPCTimeoutOrCancelledError('deadline exceeded'));

describe('LateUpdateOutcomes', () => {
  it('hands over the workflow having taken the update, after rounds that ran out, each round with a signal of its own', async () => {
    const { client, signals } = clientAnswering([roundOver, roundOver, () => Promise.resolve({ status: 'acknowledged' })]);
    const outcomes = new LateUpdateOutcomes(client);
    const recorded = await new Promise<LateUpdateOutcome>((resolve) => outcomes.follow('incident-1', 'u-1', async (outcome) => resolve(outcome)));
    expect(recorded).toEqual({ outcome: 'accepted' });
    expect(new Set(signals).size).toBe(3);
  });

  it("hands over the validator's refusal with its reason", async () => {
    const refusal = ApplicationFailure.nonRetryable('incident is acknowledged; cannot move to acknowledged', TRANSITION_NOT_ALLOWED);
    const { client } = clientAnswering([() => Promise.reject(new WorkflowUpdateFailedError('Workflow Update failed', refusal))]);
    const outcomes = new LateUpdateOutcomes(client);
    const recorded = await new Promise<LateUpdateOutcome>((resolve) => outcomes.follow('incident-1', 'u-1', async (outcome) => resolve(outcome)));
    expect(recorded).toEqual({ outcome: 'rejected', reason: 'incident is acknowledged; cannot move to acknowledged' });
  });

  it('hands over an update the workflow took and then failed as failed, not as refused', async () => {
    const { client } = clientAnswering([() => Promise.reject(new WorkflowUpdateFailedError('Workflow Update failed', new CancelledFailure('Workflow cancelled')))]);
    const outcomes = new LateUpdateOutcomes(client);
    const recorded = await new Promise<LateUpdateOutcome>((resolve) => outcomes.follow('incident-1', 'u-1', async (outcome) => resolve(outcome)));
    expect(recorded).toEqual({ outcome: 'failed', reason: 'Workflow cancelled' });
  });

  it('stops following when the API stops, without handing anything over', async () => {
    const { client, polls } = clientAnswering([undefined]);
    const outcomes = new LateUpdateOutcomes(client);
    const record = jest.fn(async () => undefined);
    outcomes.follow('incident-1', 'u-1', record);
    await new Promise((resolve) => setImmediate(resolve));
    expect(polls()).toBe(1);
    await outcomes.beforeApplicationShutdown();
    expect(record).not.toHaveBeenCalled();
    expect(polls()).toBe(1);
  });

  it('follows nothing once the API is stopping, and no more than MAX_FOLLOWED at once', async () => {
    const stopped = clientAnswering([]);
    const outcomes = new LateUpdateOutcomes(stopped.client);
    await outcomes.beforeApplicationShutdown();
    outcomes.follow('incident-1', 'u-1', async () => undefined);
    expect(stopped.polls()).toBe(0);

    const busy = clientAnswering(Array<Round>(MAX_FOLLOWED + 1).fill(undefined));
    const crowded = new LateUpdateOutcomes(busy.client);
    for (let i = 0; i <= MAX_FOLLOWED; i++) crowded.follow(`incident-${i}`, `u-${i}`, async () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(busy.polls()).toBe(MAX_FOLLOWED);
    await crowded.beforeApplicationShutdown();
  });
});
