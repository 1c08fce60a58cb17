import type { FastifyInstance, FastifyRequest } from 'fastify';

interface RoutePattern {
  method: string;
  matches: RegExp;
}

const routesByServer = new WeakMap<FastifyInstance, RoutePattern[]>();

/** `/api/v1/incidents/:id/audit` → a pattern that matches `/api/v1/incidents/<anything but />/audit`. */
function routePattern(url: string): RegExp {
  const segments = url.split('/').map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  // Exactly: the router does not take a trailing slash either, so such a path is unknown (404), not another method's (405).
  return new RegExp(`^${segments.join('/')}$`);
}

/**
 * Remembers every route as it is registered, so that a request for a known path with the wrong
 * method can be answered 405 with `Allow` (RFC 9110) rather than 404. Call before routes are added.
 */
export function recordRoutes(fastify: FastifyInstance): void {
  const routes: RoutePattern[] = [];
  routesByServer.set(fastify, routes);
  fastify.addHook('onRoute', ({ method, url }) => {
    for (const one of [method].flat()) routes.push({ method: one, matches: routePattern(url) });
  });
}

/** The methods the request's path has routes for; empty when the path is unknown altogether. */
export function allowedMethods(request: FastifyRequest): string[] {
  const path = request.url.split('?')[0];
  const routes = routesByServer.get(request.server) ?? [];
  return [...new Set(routes.filter((route) => route.matches.test(path)).map((route) => route.method))].sort();
}
