import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuditLog } from '../../../libs/audit';
import { VigilConfig } from '../../../libs/config';

/** Periodically pins every audit chain's head in an append-only checkpoint (see libs/audit). */
@Injectable()
export class AuditCheckpointerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditCheckpointerService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: VigilConfig,
    private readonly auditLog: AuditLog,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.checkpoint(), this.config.audit.checkpointMs);
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
