import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AuditLog } from '../../../libs/audit';
import { VigilConfig } from '../../../libs/config';

/**
 * Periodically pins every audit chain's head in an append-only checkpoint (see libs/audit). One at a
 * time: a checkpoint slower than the interval is not joined by more, each holding a pool connection
 * while it waits for the checkpoint lock, which would leave none for the activities.
 */
@Injectable()
export class AuditCheckpointerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditCheckpointerService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly config: VigilConfig,
    private readonly auditLog: AuditLog,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.checkpoint().finally(() => (this.running = undefined));
    }, this.config.audit.checkpointMs);
    this.timer.unref();
  }

  /** Before the DataSource closes: a checkpoint under way finishes (within the query timeout) rather than fails. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async checkpoint(): Promise<void> {
    try {
      await this.auditLog.checkpoint();
    } catch (error) {
      this.logger.warn(`audit checkpoint failed, next one in ${this.config.audit.checkpointMs} ms: ${String(error)}`);
    }
  }
}
