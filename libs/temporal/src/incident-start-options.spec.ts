import { VigilConfig } from '../../config';
import type { IncidentWorkflowInput } from '../../contracts';
import { cutText, incidentStartOptions } from './incident-start-options';

describe('incidentStartOptions', () => {
  const config = VigilConfig.fromEnv({ DATABASE_URL: 'postgres://vigil@127.0.0.1:5432/vigil' });
  const input: IncidentWorkflowInput = {
    incidentId: '0195f3a2-0000-7000-8000-000000000001',
    fingerprint: '3ab5576429e3df85c866d095ee3b6ae6',
    title: 'HighErrorRate: error rate 7%',
    service: 'checkout',
    alertname: 'HighErrorRate',
    severity: 'critical',
  };

  it('summarises the incident as service and title', () => {
    expect(incidentStartOptions(input, config).staticSummary).toBe('checkout: HighErrorRate: error rate 7%');
  });

  it('cuts a long title to 400 characters without splitting an emoji in two', () => {
    // 'api: ' is 5 code units and each 🔥 two, so the 400th code unit is the first half of the 198th 🔥.
    const summary = incidentStartOptions({ ...input, service: 'api', title: '🔥'.repeat(300) }, config).staticSummary;
    expect(summary).toBe(`api: ${'🔥'.repeat(197)}`);
    expect(summary).not.toMatch(/[\uD800-\uDBFF]$/);
  });
});

describe('cutText', () => {
  it.each([
    ['shorter than the limit', 'abc', 5, 'abc'],
    ['exactly the limit', 'abcde', 5, 'abcde'],
    ['plain text', 'abcdef', 5, 'abcde'],
    ['a cut between two emoji', 'ab🔥🔥', 4, 'ab🔥'],
    ['a cut inside an emoji drops its first half', 'abc🔥', 4, 'abc'],
    ['a text ending in a lone first half is left as it is', 'ab\uD83D', 5, 'ab\uD83D'],
  ])('%s', (_name, text, max, expected) => {
    expect(cutText(text, max)).toBe(expected);
  });
});
