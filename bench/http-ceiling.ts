import { join } from 'node:path';
import { describeExit, findFreePort, signalProcess, spawnManaged, waitUntil } from '../libs/dev-stack';
import { READY_LINE } from './http-ceiling-server';

export interface HttpCeilingServerOptions {
  signal: AbortSignal;
  /** Pids to kill if the bench process exits without stopping them. */
  orphans: Set<number>;
}

export interface HttpCeilingServer {
  url: string;
  stop(): Promise<void>;
}

/** Bare Fastify in a child process of its own, kept up so that it can be measured in rounds. */
export async function startHttpCeilingServer(options: HttpCeilingServerOptions): Promise<HttpCeilingServer> {
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
  const stop = async (): Promise<void> => {
    await child.stop(5_000).catch(() => signalProcess(child.pid, 'SIGKILL'));
    options.orphans.delete(child.pid);
  };
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
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}
