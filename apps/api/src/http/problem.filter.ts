import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { errorToProblem } from './error-to-problem';
import { problem, PROBLEM_CONTENT_TYPE } from './problem';

const logger = new Logger('http');

/**
 * Answers every error as application/problem+json. Unexpected errors become a 500 whose
 * error id is logged with the stack and returned to the caller; the stack never leaves the server.
 */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const mapped = errorToProblem(error);
  let body;
  if (mapped) {
    body = { ...mapped.problem, instance: request.url };
    if (mapped.retryAfter) void reply.header('Retry-After', String(mapped.retryAfter));
    if (body.status >= 500) logger.warn(`${request.method} ${request.url}: ${body.title}: ${String(error)}`);
  } else {
    const errorId = randomUUID();
    logger.error(`error ${errorId} on ${request.method} ${request.url}: ${error instanceof Error ? error.stack : String(error)}`);
    body = problem(500, 'internal', 'Internal server error', { errorId, instance: request.url, detail: `Quote error id ${errorId} when reporting this.` });
  }
  void reply.status(body.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(body);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
