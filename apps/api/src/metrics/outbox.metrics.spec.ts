import type { OutboxDispatcher } from '../outbox/outbox-dispatcher.service';
import type { OutboxStore } from '../outbox/outbox.store';
import { MetricsRegistry } from './metrics.registry';
import { OutboxMetrics } from './outbox.metrics';

function metricsWithBacklog(backlog: () => Promise<{ pending: number; oldestAgeSeconds: number }>, queued = 0) {
  const outbox = { backlog: jest.fn(backlog) };
  const registry = new MetricsRegistry();
  new OutboxMetrics(registry, outbox as unknown as OutboxStore, { queued } as OutboxDispatcher);
  return { registry, outbox };
}

describe('OutboxMetrics', () => {
  it('reports the outbox backlog and its age from the same query, on the first scrape, and the commands queued in this process', async () => {
    const { registry, outbox } = metricsWithBacklog(async () => ({ pending: 3, oldestAgeSeconds: 42.5 }), 2);
    const text = await registry.metrics();
    expect(text).toMatch(/^vigil_outbox_pending 3$/m);
    expect(text).toMatch(/^vigil_outbox_oldest_age_seconds 42\.5$/m);
    expect(text).toMatch(/^vigil_outbox_dispatch_queued 2$/m);
    expect(outbox.backlog).toHaveBeenCalledTimes(1);
  });

  it('while PostgreSQL does not answer, keeps the last backlog it read and says the read failed', async () => {
    let up = true;
    const { registry } = metricsWithBacklog(async () => {
      if (!up) throw new Error('connection refused');
      return { pending: 7, oldestAgeSeconds: 9 };
    });
    expect(await registry.metrics()).toMatch(/^vigil_outbox_backlog_up 1$/m);
    up = false;
    const text = await registry.metrics();
    expect(text).toMatch(/^vigil_outbox_pending 7$/m);
    expect(text).toMatch(/^vigil_outbox_oldest_age_seconds 9$/m);
    expect(text).toMatch(/^vigil_outbox_backlog_up 0$/m);
  });

  it('answers the scrape with the last backlog it read when PostgreSQL gives no answer at all (frozen)', async () => {
    let frozen = false;
    const { registry } = metricsWithBacklog(() => (frozen ? new Promise(() => undefined) : Promise.resolve({ pending: 4, oldestAgeSeconds: 2 })));
    expect(await registry.metrics()).toMatch(/^vigil_outbox_backlog_up 1$/m);
    frozen = true;
    jest.useFakeTimers();
    try {
      const scrape = registry.metrics();
      await jest.advanceTimersByTimeAsync(2_000);
      const text = await scrape;
      expect(text).toMatch(/^vigil_outbox_pending 4$/m);
      expect(text).toMatch(/^vigil_outbox_backlog_up 0$/m);
    } finally {
      jest.useRealTimers();
    }
  });
});
