export interface GroupCommitOptions<I, O> {
  /**
   * Commits a batch; resolves with one result per item, in order, or rejects for the whole batch.
   * A rejected batch is retried item by item when `retryAlone` takes its error, so a rejection
   * after anything was committed must carry an error that `retryAlone` refuses.
   */
  commit: (items: I[]) => Promise<O[]>;
  /** Most total weight per batch (a batch always takes at least one item). */
  maxBatchWeight: number;
  /** Batches committing at the same time. */
  concurrency: number;
  /**
   * Whether a failed batch of several items is retried item by item, so that one bad item
   * fails alone. False for failures every item would meet (the database is down).
   */
  retryAlone: (error: unknown) => boolean;
  /** Called with the size of every batch as it is taken to be committed (metrics); retries item by item are not counted. */
  onBatchTaken?: (items: number, weight: number) => void;
}

interface Pending<I, O> {
  item: I;
  weight: number;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: work submitted while `concurrency` batches are already committing waits, and
 * the next batch takes everything that waited. At low load each item commits alone, at once;
 * under load batches grow and one transaction (and one WAL flush) serves many requests.
 */
export class GroupCommit<I, O> {
  private readonly queue: Array<Pending<I, O>> = [];
  private queuedWeight = 0;
  private committing = 0;

  constructor(private readonly options: GroupCommitOptions<I, O>) {}

  submit(item: I, weight = 1): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, weight, resolve, reject });
      this.queuedWeight += weight;
      this.pump();
    });
  }

  /** Items waiting for a batch (not counting those committing). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Total weight of the items waiting for a batch. */
  get waitingWeight(): number {
    return this.queuedWeight;
  }

  private pump(): void {
    while (this.queue.length > 0 && this.committing < this.options.concurrency) {
      const batch = this.takeBatch();
      this.committing++;
      void this.run(batch);
    }
  }

  private takeBatch(): Array<Pending<I, O>> {
    let weight = this.queue[0].weight;
    let count = 1;
    while (count < this.queue.length && weight + this.queue[count].weight <= this.options.maxBatchWeight) {
      weight += this.queue[count].weight;
      count++;
    }
    this.options.onBatchTaken?.(count, weight);
    this.queuedWeight -= weight;
    return this.queue.splice(0, count);
  }

  private async run(batch: Array<Pending<I, O>>): Promise<void> {
    const outcome = await this.commit(batch);
    const alone = !outcome.ok && batch.length > 1 && this.options.retryAlone(outcome.error);
    // Item by item, still in this batch's slot, so that one bad item fails alone.
    if (alone) for (const pending of batch) settle([pending], await this.commit([pending]));
    this.committing--;
    // The next batch goes to the database before this one's callers are answered.
    this.pump();
    if (!alone) settle(batch, outcome);
  }

  private async commit(batch: Array<Pending<I, O>>): Promise<Outcome<O>> {
    try {
      return { ok: true, results: await this.options.commit(batch.map((p) => p.item)) };
    } catch (error) {
      return { ok: false, error };
    }
  }
}

type Outcome<O> = { ok: true; results: O[] } | { ok: false; error: unknown };

function settle<I, O>(batch: Array<Pending<I, O>>, outcome: Outcome<O>): void {
  if (outcome.ok) batch.forEach((p, i) => p.resolve(outcome.results[i]));
  else for (const pending of batch) pending.reject(outcome.error);
}
