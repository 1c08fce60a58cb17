import { join } from 'node:path';
import { describeExit, findFreePort, signalProcess, spawnManaged, waitUntil } from '../libs/dev-stack';
import { READY_LINE } from './http-ceiling-server';
import { runLoad, type LoadResult } from './load';

export interface HttpCeilingOptions {
  headers: Record<string, string>;
  nextBody: () => string;
  connections: number;
  warmupSec: number;
  durationSec: number;
  signal: AbortSignal;
  /** Pids to kill if the bench process exits without stopping them. */
  orphans: Set<number>;
}

/** Bare Fastify in a child process, loaded by autocannon after a short warm-up. */
export async function measureHttpCeiling(options: HttpCeilingOptions): Promise<LoadResult> {
  const port = await findFreePort();
  let ready = false;
  const child = await spawnManaged({
    name: 'fastify-ceiling',
    command: process.execPath,
    args: [join(__dirname, 'http-ceiling-server.js')],
    env: { ...process.env, BENCH_CEILING_PORT: String(port) },
    writeLine: (line) => (line.endsWith(` ${READY_LINE}`) ? (ready = true) : console.log(line)),
  });
  options.orphans.add(child.pid);
  let exit: string | undefined;
  void child.exited.then((info) => (exit = describeExit(info)));
  try {
    await waitUntil(async () => ready, {
      description: 'the Fastify ceiling server',
      timeoutMs: 20_000,
      intervalMs: 50,
      signal: options.signal,
      failFast: () => (exit ? new Error(`the Fastify ceiling server ${exit}`) : undefined),
    });
    const load = { url: `http://127.0.0.1:${port}`, path: '/api/v1/alerts', headers: options.headers, nextBody: options.nextBody, connections: options.connections, signal: options.signal };
    await runLoad({ ...load, durationSec: options.warmupSec });
    return await runLoad({ ...load, durationSec: options.durationSec });
  } finally {
    await child.stop(5_000).catch(() => signalProcess(child.pid, 'SIGKILL'));
    options.orphans.delete(child.pid);
  }
}
