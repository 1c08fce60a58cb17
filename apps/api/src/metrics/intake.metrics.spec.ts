import { IntakeMetrics } from './intake.metrics';
import { MetricsRegistry } from './metrics.registry';

describe('IntakeMetrics', () => {
  it('counts alerts by outcome, replays apart, and refusals by reason', async () => {
    const registry = new MetricsRegistry();
    const metrics = new IntakeMetrics(registry);
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
