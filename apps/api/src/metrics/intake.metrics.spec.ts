import type { OutboxStore } from '../outbox/outbox.store';
import { IntakeMetrics } from './intake.metrics';
import { MetricsRegistry } from './metrics.registry';

function metricsWithBacklog(backlog: () => Promise<{ pending: number; oldestAgeSeconds: number }>) {
  const outbox = { backlog: jest.fn(backlog) };
  const registry = new MetricsRegistry();
  const metrics = new IntakeMetrics(registry, outbox as unknown as OutboxStore);
  return { registry, metrics, outbox };
}

describe('IntakeMetrics', () => {
  it('reports the outbox backlog and its age from the same query, on the first scrape', async () => {
    const { registry, outbox } = metricsWithBacklog(async () => ({ pending: 3, oldestAgeSeconds: 42.5 }));
    const text = await registry.metrics();
    expect(text).toMatch(/^vigil_outbox_pending 3$/m);
    expect(text).toMatch(/^vigil_outbox_oldest_age_seconds 42\.5$/m);
    expect(outbox.backlog).toHaveBeenCalledTimes(1);
  });

  it('keeps the last backlog it read while PostgreSQL does not answer', async () => {
    let up = true;
    const { registry } = metricsWithBacklog(async () => {
      if (!up) throw new Error('connection refused');
      return { pending: 7, oldestAgeSeconds: 9 };
    });
    await registry.metrics();
    up = false;
    const text = await registry.metrics();
    expect(text).toMatch(/^vigil_outbox_pending 7$/m);
    expect(text).toMatch(/^vigil_outbox_oldest_age_seconds 9$/m);
  });

  it('counts alerts by outcome, replays apart, and refusals by reason', async () => {
    const { registry, metrics } = metricsWithBacklog(async () => ({ pending: 0, oldestAgeSeconds: 0 }));
    metrics.alertAccepted('created', false);
    metrics.alertAccepted('deduplicated', false);
    metrics.alertAccepted('deduplicated', false);
    metrics.alertAccepted('created', true);
    metrics.alertsRefused('rejected', 4);
    const text = await registry.metrics();
    expect(text).toMatch(/^vigil_alerts_received_total\{outcome="created"\} 1$/m);
    expect(text).toMatch(/^vigil_alerts_received_total\{outcome="deduplicated"\} 2$/m);
    expect(text).toMatch(/^vigil_alerts_received_total\{outcome="replayed"\} 1$/m);
    expect(text).toMatch(/^vigil_alerts_received_total\{outcome="rejected"\} 4$/m);
  });
});
