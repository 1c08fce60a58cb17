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
