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
  fastify.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0];
    if (path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`)) await authenticateRequest(request as AuthenticatedRequest, apiKeys, ANY_ROLE);
  });
}
