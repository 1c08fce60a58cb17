import type { FastifyInstance } from 'fastify';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import { ANY_ROLE, authenticate, authorize } from './authenticate-request';
import type { AuthenticatedRequest } from './principal';

export const DOCS_PATH = '/docs';
/** The only routes open without a key. */
export const HEALTH_PATH = '/health';

/** Whether the router matched a route at or under `path` (by the matched route, so `%64ocs` is `docs`). */
function isUnder(route: string, path: string): boolean {
  return route === path || route.startsWith(`${path}/`);
}

export function isPublicRoute(route: string | undefined): boolean {
  return route !== undefined && isUnder(route, HEALTH_PATH);
}

/**
 * Every request to a route that needs a key is authenticated as soon as the router has matched it,
 * before its body is read: a caller without a valid key gets 401, never a parse of its body. The
 * role check follows per route (the guard, intake). The OpenAPI UI and documents, which the Swagger
 * module serves under DOCS_PATH outside Nest's guard, take any role; a browser cannot send a bearer
 * key, so the 401's `WWW-Authenticate: Basic` makes it ask (any user name, the key as password).
 */
export function requireKeyBeforeBody(fastify: FastifyInstance, apiKeys: ApiKeysService): void {
  // A callback hook, not an async one: every request passes through it, intake's thousands a second too.
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    // Unmatched requests (404, 405) have nothing to protect.
    if (route === undefined || isPublicRoute(route)) return done();
    authenticate(request as AuthenticatedRequest, apiKeys)
      .then((principal) => {
        if (isUnder(route, DOCS_PATH)) authorize(principal, ANY_ROLE);
      })
      .then(() => done(), done);
  });
}
