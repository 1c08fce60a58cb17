import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import type { AlertOutcome } from '../../../../libs/persistence';
import { MetricsRegistry } from './metrics.registry';

/** Intake: alerts by outcome, and alerts per group commit. */
@Injectable()
export class IntakeMetrics {
  private readonly alerts: Counter<'outcome'>;
  private readonly commitAlerts: Histogram;

  constructor(registry: MetricsRegistry) {
    this.alerts = new Counter({
      name: 'vigil_alerts_received_total',
      help: 'Alerts received by intake, by the answer they got (created, deduplicated, resolved, no_open_incident, replayed, rejected, unavailable, overloaded)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.commitAlerts = new Histogram({
      name: 'vigil_intake_commit_alerts',
      help: 'Alerts per intake transaction (requests arriving together share one commit)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
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
