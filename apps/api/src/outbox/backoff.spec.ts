import { retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  it.each([
    [1, 500],
    [2, 1000],
    [3, 2000],
    [10, 30_000],
    [1000, 30_000],
  ])('after attempt %i waits at most %i ms', (attempts, ceiling) => {
    expect(retryDelayMs(attempts, 30_000, () => 0.999999)).toBeLessThanOrEqual(ceiling);
    expect(retryDelayMs(attempts, 30_000, () => 0.999999)).toBeGreaterThan(ceiling * 0.99);
  });
  it('never retries sooner than 100 ms, whatever the jitter', () => {
    expect(retryDelayMs(1, 30_000, () => 0)).toBe(100);
  });
});
