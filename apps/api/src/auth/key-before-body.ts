import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyRole } from '../../../../libs/persistence';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import { ANY_ROLE, authenticate, authorize } from './authenticate-request';
import type { AuthenticatedRequest } from './principal';
import { routeRoles } from './roles.decorator';

export const DOCS_PATH = '/docs';
/** The only routes open without a key. */
export const HEALTH_PATH = '/health';

/** Whether the router matched a route at or under `path` (by the matched route, so `%64ocs` is `docs`). */
function isUnder(route: string, path: string): boolean {
  return route === path || route.startsWith(`${path}/`);
}

function isPublicRoute(route: string | undefined): boolean {
  return route !== undefined && isUnder(route, HEALTH_PATH);
}

/**
 * The roles that may call the matched route: its `@Roles` (or, on a plain Fastify route, its
 * `rolesConfig`); any role under DOCS_PATH, which the Swagger module serves; else admin alone.
 */
function allowedRoles(request: FastifyRequest, route: string): readonly ApiKeyRole[] {
  if (isUnder(route, DOCS_PATH)) return ANY_ROLE;
  return routeRoles(request.routeOptions.config) ?? [];
}

/**
 * Every request to a route that needs a key is authenticated and its role checked as soon as the
 * router has matched it, before its body is read: a caller without a valid key gets 401, and one
 * whose role the route does not allow 403, never a verdict on its body. A browser cannot send a
 * bearer key, so the 401's `WWW-Authenticate: Basic` makes it ask for the OpenAPI UI (any user name,
 * the key as password).
 */
export function requireKeyBeforeBody(fastify: FastifyInstance, apiKeys: ApiKeysService): void {
  // A callback hook, not an async one: every request passes through it, intake's thousands a second too.
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    // Unmatched requests (404, 405) have nothing to protect.
    if (route === undefined || isPublicRoute(route)) return done();
    authenticate(request as AuthenticatedRequest, apiKeys)
      .then((principal) => authorize(principal, allowedRoles(request, route)))
      .then(() => done(), done);
  });
}
