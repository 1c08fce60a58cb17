import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service';
import { OutboxStore } from '../outbox/outbox.store';
import { resolvesWithin } from '../resolves-within';
import { MetricsRegistry } from './metrics.registry';

const BACKLOG_READ_WAIT_MS = 2_000;

/** The outbox: commands not yet delivered to Temporal (in PostgreSQL, and their age), and those queued in this process. */
@Injectable()
export class OutboxMetrics {
  constructor(registry: MetricsRegistry, outbox: OutboxStore, dispatcher: OutboxDispatcher) {
    // One query per scrape for the three backlog gauges: prom-client collects them concurrently.
    // While PostgreSQL does not answer, the last read stands and vigil_outbox_backlog_up says so. Its
    // age is not grown: what was pending then (often a command in flight for a few ms) was most
    // likely delivered right after.
    // Nor does a scrape wait longer than BACKLOG_READ_WAIT_MS for it (a pool that cannot connect
    // gives up after 5 s): it must end within Prometheus's default scrape timeout of 10 s.
    let lastRead = { pending: 0, oldestAgeSeconds: 0 };
    let reading: Promise<typeof lastRead & { read: boolean }> | null = null;
    const read = async () => {
      const backlog = outbox.backlog().then((found) => (lastRead = found));
      backlog.catch(() => undefined);
      const answered = await resolvesWithin(backlog, BACKLOG_READ_WAIT_MS).catch(() => false);
      return { ...lastRead, read: answered };
    };
    const readBacklog = () => (reading ??= read().finally(() => (reading = null)));
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
