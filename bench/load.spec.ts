import { combineLoads, type LoadResult } from './load';

const round = (ok: number, durationSec: number, p50: number, p99: number, codes: Record<string, number> = { '202': ok }): LoadResult => ({
  durationSec,
  ok,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  okPerSec: ok / durationSec,
  latencyMs: { p50, p90: p50 * 2, p99, max: p99 * 2 },
  statusCodes: codes,
});

describe('combineLoads', () => {
  it('rates all rounds together, not as the mean of their rates', () => {
    const combined = combineLoads([round(10_000, 5, 2, 10), round(5_000, 10, 3, 12)]);
    expect(combined.ok).toBe(15_000);
    expect(combined.durationSec).toBe(15);
    expect(combined.okPerSec).toBe(1_000);
  });

  it('takes the median round for p50 and the worst round for p99 and max', () => {
    const combined = combineLoads([round(100, 1, 4, 30), round(100, 1, 2, 50), round(100, 1, 3, 20)]);
    expect(combined.latencyMs).toEqual({ p50: 3, p90: 6, p99: 50, max: 100 });
  });

  it('adds up status codes and failures', () => {
    const failing = { ...round(90, 1, 1, 1, { '202': 90, '503': 10 }), non2xx: 10, errors: 1 };
    const combined = combineLoads([failing, round(100, 1, 1, 1)]);
    expect(combined.statusCodes).toEqual({ '202': 190, '503': 10 });
    expect(combined.non2xx).toBe(10);
    expect(combined.errors).toBe(1);
  });

  it('refuses no rounds at all', () => {
    expect(() => combineLoads([])).toThrow('no rounds');
  });
});
