import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * Closes the HTTP server in the first phase of the app's close (onModuleDestroy), before anything
 * the requests under way need: intake's held connections, the outbox dispatcher, the follow-ups
 * of late updates (beforeApplicationShutdown), Temporal and PostgreSQL (onApplicationShutdown).
 * Nest itself closes the server only after all of those, so an alert answered `202` meanwhile
 * lost its immediate dispatch. The close waits until every request taken is answered
 * (drainOnClose); Nest's own later close of the server finds it closed.
 */
@Injectable()
export class CloseHttpFirst implements OnModuleDestroy {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async onModuleDestroy(): Promise<void> {
    await this.adapterHost.httpAdapter.close();
  }
}
