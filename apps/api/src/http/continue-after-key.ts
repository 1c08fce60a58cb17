import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * A request with `Expect: 100-continue` (curl sends it with a body over 1 MiB, other senders with
 * any) asks whether to send its body. Node answers `100 Continue` at once, before any check, so a
 * sender with a wrong key sent its whole body only to be told 401. Here the `100` waits until the
 * request has passed its onRequest hooks, the key and role check among them, and goes out as the
 * body is about to be read. A request refused before gets its final answer instead and sends no
 * body; Node closes that connection, as the body it announced is still due.
 */
export function continueAfterKeyCheck(fastify: FastifyInstance): void {
  const awaitingContinue = new WeakSet<ServerResponse>();
  // With a listener, Node leaves the `100` to it; the request then goes the usual way.
  fastify.server.on('checkContinue', (request, response) => {
    awaitingContinue.add(response);
    fastify.server.emit('request', request, response);
  });
  fastify.addHook('preParsing', (_request, reply, payload, done) => {
    if (awaitingContinue.delete(reply.raw)) reply.raw.writeContinue();
    done(null, payload);
  });
}
