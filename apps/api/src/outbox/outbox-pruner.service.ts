import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { VigilConfig } from '../../../../libs/config';
import { OutboxStore } from './outbox.store';

const SWEEP_EVERY_MS = 10 * 60_000;
const ROWS_PER_DELETE = 1_000;
/** A sweep stops after this many rows and leaves the rest to the next: no statement holds PostgreSQL for long. */
export const MAX_ROWS_PER_SWEEP = 50_000;
/** After a sweep that stopped at its limit: soon, so that pruning keeps up with any rate of commands. */
const SWEEP_AGAIN_MS = 1_000;

/**
 * Deletes delivered workflow commands older than `VIGIL_OUTBOX_RETENTION_HOURS`, in short
 * statements, once after start and then every ten minutes, or a second after a sweep that left
 * more behind. Undelivered commands are never touched.
 */
@Injectable()
export class OutboxPruner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxPruner.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly store: OutboxStore,
    private readonly config: VigilConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.sweepInBackground();
  }

  /** Before the DataSource closes, so that no sweep outlives it. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  /** One sweep; resolves with the number of commands deleted. */
  async sweep(): Promise<number> {
    let total = 0;
    while (total < MAX_ROWS_PER_SWEEP) {
      const deleted = await this.store.pruneDelivered(this.config.outbox.retentionMs, ROWS_PER_DELETE);
      total += deleted;
      if (deleted < ROWS_PER_DELETE) break;
    }
    return total;
  }

  private sweepInBackground(): void {
    this.sweeping = this.sweep()
      .then((deleted) => {
        if (deleted > 0) this.logger.log(`pruned ${deleted} delivered workflow command(s) older than ${this.config.outbox.retentionMs / 3_600_000} h`);
        return deleted >= MAX_ROWS_PER_SWEEP ? SWEEP_AGAIN_MS : SWEEP_EVERY_MS;
      })
      .catch((error: unknown) => {
        this.logger.warn(`outbox pruning failed, next try in ${SWEEP_EVERY_MS / 60_000} min: ${String(error)}`);
        return SWEEP_EVERY_MS;
      })
      .then((nextInMs) => {
        this.sweeping = undefined;
        if (!this.stopped) this.timer = setTimeout(() => this.sweepInBackground(), nextInMs);
      });
  }
}
