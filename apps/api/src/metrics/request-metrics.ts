import type { FastifyInstance } from 'fastify';
import { Histogram } from 'prom-client';
import type { MetricsRegistry } from './metrics.registry';

/** Observes every answered request's latency by method, route pattern and status. */
export function observeRequestDurations(fastify: FastifyInstance, registry: MetricsRegistry): void {
  const requestDuration = new Histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requestDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
}
