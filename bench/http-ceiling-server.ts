import { fastify } from 'fastify';

/**
 * The HTTP ceiling's server, run as its own process so it never shares an event loop with the
 * load generator: bare Fastify 5, one POST route that answers 202 and touches nothing (Fastify
 * still parses the JSON body, as any JSON API does). Prints `ready` once it listens.
 */
export const READY_LINE = 'ready';

async function main(): Promise<void> {
  const port = Number(process.env.BENCH_CEILING_PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_CEILING_PORT must be a TCP port');
  const app = fastify({ logger: false });
  app.post('/api/v1/alerts', (_request, reply) => reply.code(202).send({ accepted: true }));
  await app.listen({ port, host: '127.0.0.1' });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void app.close().then(() => process.exit(0)));
  }
  console.log(READY_LINE);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
