import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { AlertOutcome } from '../../../../libs/persistence';
import { OutboxStore } from '../outbox/outbox.store';
import { MetricsRegistry } from './metrics.registry';

/** Intake counts by outcome, outbox backlog and age, request latency. */
@Injectable()
export class IntakeMetrics {
  private readonly alerts: Counter<'outcome'>;
  readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly commitAlerts: Histogram;

  constructor(registry: MetricsRegistry, outbox: OutboxStore) {
    this.alerts = new Counter({
      name: 'vigil_alerts_received_total',
      help: 'Alerts received by intake, by outcome (created, deduplicated, resolved, no_open_incident, replayed, rejected, unavailable, overloaded)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.requestDuration = new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.commitAlerts = new Histogram({
      name: 'vigil_intake_commit_alerts',
      help: 'Alerts per intake transaction (requests arriving together share one commit)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    });
    // One query per scrape for both gauges: prom-client collects them concurrently.
    let lastBacklog = { pending: 0, oldestAgeSeconds: 0 };
    let reading: Promise<typeof lastBacklog> | null = null;
    const readBacklog = () =>
      (reading ??= outbox
        .backlog()
        .then((backlog) => (lastBacklog = backlog), () => lastBacklog)
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
  }

  alertAccepted(outcome: AlertOutcome, replayed: boolean): void {
    this.alerts.inc({ outcome: replayed ? 'replayed' : outcome });
  }

  batchTaken(alerts: number): void {
    this.commitAlerts.observe(alerts);
  }

  alertsRefused(outcome: 'rejected' | 'unavailable' | 'overloaded', count = 1): void {
    this.alerts.inc({ outcome }, count);
  }
}
