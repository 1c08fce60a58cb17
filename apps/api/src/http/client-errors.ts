import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { problem, PROBLEM_CONTENT_TYPE } from './problem';

/**
 * What Node's HTTP parser refuses before any route sees the request (a request not received in
 * time, headers too large, a malformed request line, chunking or Content-Length) is answered as
 * problem+json too, as Fastify's default handler does in its own JSON, and the connection closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, slug, title] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request-timeout', 'The request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers-too-large', 'The request headers are too large']
        : [400, 'malformed-request', 'The request cannot be read'];
  if (socket.writable) {
    const body = JSON.stringify(problem(status, slug, title));
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

/**
 * What Fastify's router refuses before any route or hook (a path whose percent-encoding is not
 * UTF-8, `/%ff`), as problem+json too rather than in Fastify's own JSON.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const body = problem(status, 'malformed-request', 'The request cannot be read', { detail: error.message, instance: request.url, errors: [{ field: '(path)', message: error.message }] });
  void reply.status(status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(body);
}
