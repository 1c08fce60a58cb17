/** Exponential backoff with full jitter for retrying a command: attempt 1 waits up to 500 ms, doubling to the cap. */
export function retryDelayMs(attempts: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, 500 * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.max(100, Math.round(ceiling * random()));
}
