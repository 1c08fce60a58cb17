import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuditLog } from '../../../libs/audit';
import { VigilConfig } from '../../../libs/config';

/**
 * Periodically pins every audit chain's head in an append-only checkpoint (see libs/audit). One at a
 * time: a checkpoint slower than the interval is not joined by more, each holding a pool connection
 * while it waits for the checkpoint lock, which would leave none for the activities.
 */
@Injectable()
export class AuditCheckpointerService implements OnApplicationBootstrap, OnApplicationShutdown {
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

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async checkpoint(): Promise<void> {
    try {
      await this.auditLog.checkpoint();
    } catch (error) {
      this.logger.warn(`audit checkpoint failed, next one in ${this.config.audit.checkpointMs} ms: ${String(error)}`);
    }
  }
}
