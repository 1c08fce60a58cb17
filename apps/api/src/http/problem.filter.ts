import { Catch, Logger, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { describeErrorChain } from '../../../../libs/temporal';
import { allowedMethods } from './allowed-methods';
import { errorToProblem } from './error-to-problem';
import { problem, PROBLEM_CONTENT_TYPE } from './problem';

const logger = new Logger('http');

/**
 * Answers every error as application/problem+json. Unexpected errors become a 500 whose
 * error id is logged with the stack and returned to the caller; the stack never leaves the server.
 */
function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  if (request.raw.readableAborted) {
    // The client went away before its body arrived (its socket's error is no outage): nobody to answer.
    logger.debug(`${request.method} ${request.url}: the client closed the request before sending all of it`);
    void reply.status(400).send();
    return;
  }
  const allowed = methodsOfUnroutedPath(error, request);
  const mapped = allowed.length ? methodNotAllowed(request, reply, allowed) : errorToProblem(error);
  let body;
  if (mapped) {
    body = { ...mapped.problem, instance: request.url };
    if (mapped.retryAfter) void reply.header('Retry-After', String(mapped.retryAfter));
    // RFC 9110: a 401 names the schemes it takes; Basic first, so that a browser asks for the key.
    if (body.status === 401) void reply.header('WWW-Authenticate', ['Basic realm="Vigil", charset="UTF-8"', 'Bearer realm="Vigil"']);
    if (body.status >= 500) logger.warn(`${request.method} ${request.url}: ${body.title}: ${describeErrorChain(error)}`);
  } else {
    const errorId = randomUUID();
    const causes = error instanceof Error && error.cause !== undefined ? `\ncaused by: ${describeErrorChain(error.cause)}` : '';
    logger.error(`error ${errorId} on ${request.method} ${request.url}: ${error instanceof Error ? error.stack : String(error)}${causes}`);
    body = problem(500, 'internal', 'Internal server error', { errorId, instance: request.url, detail: `Quote error id ${errorId} when reporting this.` });
  }
  void reply.status(body.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(body);
}

/**
 * For a request no route took (Nest answers it with a NotFoundException, and `routeOptions.url`
 * is unset), the methods its path does take; none for a path that is unknown altogether.
 */
function methodsOfUnroutedPath(error: unknown, request: FastifyRequest): string[] {
  return error instanceof NotFoundException && request.routeOptions.url === undefined ? allowedMethods(request) : [];
}

/** A known path asked with a method it does not take: 405 and the methods it does (RFC 9110 §15.5.6). */
function methodNotAllowed(request: FastifyRequest, reply: FastifyReply, allowed: string[]): ReturnType<typeof errorToProblem> {
  void reply.header('Allow', allowed.join(', '));
  return { problem: problem(405, 'method-not-allowed', 'Method not allowed', { detail: `${request.method} is not allowed here; use ${allowed.join(', ')}.` }) };
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
