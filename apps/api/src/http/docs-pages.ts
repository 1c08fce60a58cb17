import type { FastifyInstance, onRequestHookHandler } from 'fastify';

/**
 * The Swagger module serves its page at `<docs>/` and `<docs>/index.html` too, with asset links
 * relative to the address it is asked by. They hold for `<docs>` and a bare `<docs>/`, but not once
 * a query follows the slash, for `index.html`, or for `%64ocs/`: the page then asks for
 * `<docs>/docs/swagger-ui.css` and the like, which do not exist, and stays blank. Those routes
 * redirect (308) to `<docs>` itself, keeping the query, so every address of the page shows it.
 * Their own hook, after the key check that every route under `<docs>` has; no other route pays
 * for it. Call before the Swagger module adds its routes.
 */
export function redirectDocsPages(fastify: FastifyInstance, docsPath: string): void {
  const pages = new Set([`${docsPath}/`, `${docsPath}/index.html`]);
  const name = docsPath.slice(docsPath.lastIndexOf('/') + 1);
  const toDocs: onRequestHookHandler = (request, reply) => {
    const query = request.url.indexOf('?');
    // Relative, as the page's own asset links are: `../docs` from `/docs/` or `/docs/index.html`
    // is `/docs`, under whatever prefix a proxy serves Vigil at.
    void reply.redirect(`../${name}${query === -1 ? '' : request.url.slice(query)}`, 308);
  };
  fastify.addHook('onRoute', (route) => {
    if (!pages.has(route.url)) return;
    route.onRequest = [...[route.onRequest ?? []].flat(), toDocs];
  });
}
