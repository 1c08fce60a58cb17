import type { FastifyInstance } from 'fastify';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import { ANY_ROLE, authenticateRequest } from './authenticate-request';
import type { AuthenticatedRequest } from './principal';

export const DOCS_PATH = '/docs';

/**
 * The OpenAPI UI and document need a key like every route but health. Swagger UI's page and its
 * fetch of the document are plain browser requests, which cannot carry a bearer key; the 401's
 * `WWW-Authenticate: Basic` makes the browser ask instead (any user name, the key as password).
 */
export function requireKeyForDocs(fastify: FastifyInstance, apiKeys: ApiKeysService): void {
  // A callback hook, not an async one: every request passes through it, intake's thousands a second too.
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (!isDocsRoute(request.routeOptions.url)) return done();
    authenticateRequest(request as AuthenticatedRequest, apiKeys, ANY_ROLE).then(() => done(), done);
  });
}

/**
 * By the route the router matched, not the raw URL: the router decodes `%64ocs` to `docs`, and
 * every document the Swagger module serves (UI, assets, JSON, YAML) is registered under DOCS_PATH.
 */
function isDocsRoute(route: string | undefined): boolean {
  return route !== undefined && (route === DOCS_PATH || route.startsWith(`${DOCS_PATH}/`));
}
