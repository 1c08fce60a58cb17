import { alertFingerprint } from './fingerprint';

describe('alertFingerprint', () => {
  const labels = { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical', region: 'eu' };
  it('is stable and independent of label order', () => {
    expect(alertFingerprint(labels)).toBe(alertFingerprint({ region: 'eu', severity: 'critical', service: 'checkout', alertname: 'HighErrorRate' }));
    expect(alertFingerprint(labels)).toMatch(/^[0-9a-f]{32}$/);
  });
  it('changes with an identifying label but not with severity', () => {
    expect(alertFingerprint({ ...labels, region: 'us' })).not.toBe(alertFingerprint(labels));
    expect(alertFingerprint({ ...labels, severity: 'info' })).toBe(alertFingerprint(labels));
  });
  it('treats a label with an empty value as no label, as Prometheus does', () => {
    expect(alertFingerprint({ ...labels, pod: '' })).toBe(alertFingerprint(labels));
    expect(alertFingerprint({ ...labels, region: '' })).not.toBe(alertFingerprint(labels));
  });
  it('uses the sender dedup key as is', () => {
    expect(alertFingerprint(labels, 'order-42')).toBe('order-42');
  });
});
