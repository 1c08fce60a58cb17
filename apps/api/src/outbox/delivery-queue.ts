/** What the queue needs of an item: its own id, and the key whose items must not overtake each other. */
export interface Deliverable {
  id: string;
  workflowId: string;
}

export interface DeliveryQueueOptions {
  /** Deliveries under way at once. */
  concurrency: number;
  /** Items that may wait; past it `offer` takes no more. */
  maxQueued: number;
}

/**
 * A bounded queue of deliveries, at most `concurrency` under way, and at most one at a time per
 * workflow, taken in the order offered: commands for one incident reach it in the order they were
 * committed (a resolve cannot overtake the severity change queued before it), while commands for
 * different incidents go in parallel. An item already queued or under way is not taken twice.
 */
export class DeliveryQueue<T extends Deliverable> {
  private readonly waiting: T[] = [];
  private readonly held = new Set<string>();
  private readonly busyWorkflows = new Set<string>();
  private readonly underway = new Set<Promise<void>>();

  constructor(
    private readonly options: DeliveryQueueOptions,
    private readonly deliver: (item: T) => Promise<void>,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  get room(): number {
    return this.options.maxQueued - this.waiting.length;
  }

  /** Queues the items in order, until the queue is full: the rest are not taken. */
  offer(items: T[]): void {
    for (const item of items) {
      if (this.held.has(item.id)) continue;
      if (this.waiting.length >= this.options.maxQueued) break;
      this.held.add(item.id);
      this.waiting.push(item);
      // At once, so that what starts leaves its place in the queue to the next.
      this.pump();
    }
  }

  /** Empties the queue (deliveries under way go on) and returns what was waiting. */
  clear(): T[] {
    const waiting = this.waiting.splice(0);
    for (const item of waiting) this.held.delete(item.id);
    return waiting;
  }

  /** Settles once every delivery under way now has. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.underway]);
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.underway.size < this.options.concurrency; ) {
      const item = this.waiting[i];
      if (this.busyWorkflows.has(item.workflowId)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.busyWorkflows.add(item.workflowId);
      // `deliver` settles its own failures (a retry for later); a rejection must not crash the process.
      const delivery: Promise<void> = this.deliver(item)
        .catch(() => undefined)
        .finally(() => {
          this.held.delete(item.id);
          this.busyWorkflows.delete(item.workflowId);
          this.underway.delete(delivery);
          this.pump();
        });
      this.underway.add(delivery);
    }
  }
}
