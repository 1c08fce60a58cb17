import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  path: string;
  headers: Record<string, string>;
  /** Called once per request: the JSON body to send. */
  nextBody: () => string;
  connections: number;
  durationSec: number;
  /** Aborting stops the load at once; the partial result is returned. */
  signal: AbortSignal;
}

export interface LoadResult {
  durationSec: number;
  /** Responses with a 2xx status (for Vigil: alerts durably accepted). */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** ok / durationSec. */
  okPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  statusCodes: Record<string, number>;
}

/** POSTs a fresh body per request with autocannon (its setupRequest hook) for a fixed time. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  options.signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSec,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        requests: [{ method: 'POST', path: options.path, setupRequest: (request) => ({ ...request, body: options.nextBody() }) }],
      },
      (error: unknown, result: autocannon.Result) => {
        options.signal.removeEventListener('abort', stop);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(summarise(result));
      },
    );
    const stop = (): void => instance.stop();
    options.signal.addEventListener('abort', stop, { once: true });
  });
}

function summarise(result: autocannon.Result): LoadResult {
  const ok = result['2xx'];
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count ?? 0;
  return {
    durationSec: result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    okPerSec: result.duration > 0 ? ok / result.duration : 0,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    statusCodes,
  };
}

/**
 * Rounds of one load as one result: counts and durations summed (so the rate is over all rounds);
 * p50 and p90 the median round's, p99 and max the worst round's.
 */
export function combineLoads(rounds: LoadResult[]): LoadResult {
  if (rounds.length === 0) throw new Error('combineLoads: no rounds');
  const sum = (pick: (l: LoadResult) => number): number => rounds.reduce((total, l) => total + pick(l), 0);
  const median = (pick: (l: LoadResult) => number): number => [...rounds.map(pick)].sort((a, b) => a - b)[Math.floor((rounds.length - 1) / 2)];
  const worst = (pick: (l: LoadResult) => number): number => Math.max(...rounds.map(pick));
  const statusCodes: Record<string, number> = {};
  for (const round of rounds) for (const [code, count] of Object.entries(round.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const durationSec = sum((l) => l.durationSec);
  const ok = sum((l) => l.ok);
  return {
    durationSec,
    ok,
    non2xx: sum((l) => l.non2xx),
    errors: sum((l) => l.errors),
    timeouts: sum((l) => l.timeouts),
    okPerSec: durationSec > 0 ? ok / durationSec : 0,
    latencyMs: { p50: median((l) => l.latencyMs.p50), p90: median((l) => l.latencyMs.p90), p99: worst((l) => l.latencyMs.p99), max: worst((l) => l.latencyMs.max) },
    statusCodes,
  };
}
