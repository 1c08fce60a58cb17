import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service';
import { OutboxStore } from '../outbox/outbox.store';
import { MetricsRegistry } from './metrics.registry';

/** The outbox: commands not yet delivered to Temporal (in PostgreSQL, and their age), and those queued in this process. */
@Injectable()
export class OutboxMetrics {
  constructor(registry: MetricsRegistry, outbox: OutboxStore, dispatcher: OutboxDispatcher) {
    // One query per scrape for the three backlog gauges: prom-client collects them concurrently.
    // While PostgreSQL does not answer, the last read stands, with its oldest command's age grown
    // since (nothing can be delivered then), so that an alert on that age still fires.
    let lastRead: { pending: number; oldestAgeSeconds: number; at: number } | null = null;
    let reading: Promise<{ pending: number; oldestAgeSeconds: number; read: boolean }> | null = null;
    const readBacklog = () =>
      (reading ??= outbox
        .backlog()
        .then(
          (backlog) => ((lastRead = { ...backlog, at: Date.now() }), { ...backlog, read: true }),
          () => ({ ...backlogSince(lastRead, Date.now()), read: false }),
        )
        .finally(() => (reading = null)));
    new Gauge({
      name: 'vigil_outbox_pending',
      help: 'Workflow commands committed but not yet delivered to Temporal',
      registers: [registry],
      async collect() {
        this.set((await readBacklog()).pending);
      },
    });
    new Gauge({
      name: 'vigil_outbox_oldest_age_seconds',
      help: 'Age of the oldest undelivered workflow command',
      registers: [registry],
      async collect() {
        this.set((await readBacklog()).oldestAgeSeconds);
      },
    });
    new Gauge({
      name: 'vigil_outbox_backlog_up',
      help: '1 when this scrape read the outbox backlog from PostgreSQL; 0 when it could not, and the two gauges above show the last read, its age grown since',
      registers: [registry],
      async collect() {
        this.set((await readBacklog()).read ? 1 : 0);
      },
    });
    new Gauge({
      name: 'vigil_outbox_dispatch_queued',
      help: 'Workflow commands waiting in this API process for a delivery slot (at most VIGIL_OUTBOX_MAX_QUEUED)',
      registers: [registry],
      collect() {
        this.set(dispatcher.queued);
      },
    });
  }
}

/** The backlog as last read, `now` later: its oldest command is that much older, if there was one. */
export function backlogSince(lastRead: { pending: number; oldestAgeSeconds: number; at: number } | null, now: number): { pending: number; oldestAgeSeconds: number } {
  if (!lastRead) return { pending: 0, oldestAgeSeconds: 0 };
  const grown = lastRead.pending > 0 ? Math.max(0, now - lastRead.at) / 1000 : 0;
  return { pending: lastRead.pending, oldestAgeSeconds: lastRead.oldestAgeSeconds + grown };
}
