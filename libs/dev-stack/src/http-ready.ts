import { request } from 'node:http';
import { waitUntil } from './wait';

export interface WaitForHttpOkOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  failFast?: () => Error | undefined;
}

/** Resolves once GET `url` answers 200. */
export function waitForHttpOk(url: string, options: WaitForHttpOkOptions): Promise<void> {
  return waitUntil(() => httpStatus(url).then((status) => status === 200), { description: `200 from ${url}`, intervalMs: 250, ...options });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy(new Error(`no answer from ${url} within 2 s`)));
    req.once('error', reject);
    req.end();
  });
}
