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
    // While PostgreSQL does not answer, the last read stands and vigil_outbox_backlog_up says so. Its
    // age is not grown: what was pending then (often a command in flight for a few ms) was most
    // likely delivered right after.
    let lastRead = { pending: 0, oldestAgeSeconds: 0 };
    let reading: Promise<typeof lastRead & { read: boolean }> | null = null;
    const readBacklog = () =>
      (reading ??= outbox
        .backlog()
        .then(
          (backlog) => ({ ...(lastRead = backlog), read: true }),
          () => ({ ...lastRead, read: false }),
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
      help: '1 when this scrape read the outbox backlog from PostgreSQL; 0 when it could not, and the two gauges above show the last read',
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
