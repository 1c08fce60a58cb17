import { HttpException } from '@nestjs/common';
import { isGrpcServiceError, ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { DomainError, DomainErrorCode } from '../../../../libs/domain';
import { isDatabaseSilent, isDatabaseUnavailable } from '../../../../libs/persistence';
import { isTemporalRefusal } from '../../../../libs/temporal';
import { ServerClosing } from './drain-on-close';
import { problem, ValidationProblem, type Problem } from './problem';

const RETRY_AFTER_SECONDS = 5;
const OVERLOAD_RETRY_AFTER_SECONDS = 1;

/** How every error maps to a problem; `null` means unexpected (a 500 with an error id). */
export function errorToProblem(error: unknown): { problem: Problem; retryAfter?: number } | null {
  if (error instanceof ValidationProblem) {
    return { problem: problem(400, 'validation', 'The request is not valid', { detail: error.message, errors: error.errors }) };
  }
  if (error instanceof DomainError) return domainProblem(error);
  if (isDatabaseSilent(error)) {
    return {
      problem: problem(503, 'storage-no-answer', 'Storage did not answer', {
        // Any route can meet it: the advice fits a read as well as intake.
        detail: 'PostgreSQL did not answer in time. A request that stores something may or may not have been stored: retry it (alerts with the same Idempotency-Key, to store them exactly once).',
      }),
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      problem: problem(503, 'storage-unavailable', 'Storage is unavailable', {
        detail: 'PostgreSQL cannot be reached; nothing was stored. Retry later.',
      }),
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (error instanceof ServerClosing) {
    return {
      problem: problem(503, 'shutting-down', 'This server is shutting down', { detail: 'Nothing was stored. Retry: another instance, or this one once restarted, will take it.' }),
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (isTemporalUnavailable(error)) {
    return {
      problem: problem(503, 'workflow-unavailable', 'Temporal is unavailable', { detail: 'Retry later.' }),
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (error instanceof HttpException) return { problem: httpProblem(error.getStatus(), error.message) };
  // A Fastify plugin's own refusal (@fastify/static's 403 for `..` in a /docs path), not Nest's.
  const status = clientErrorStatus(error);
  if (status !== undefined) return { problem: httpProblem(status, (error as Error).message) };
  return null;
}

function clientErrorStatus(error: unknown): number | undefined {
  const status = error instanceof Error ? (error as Error & { statusCode?: unknown }).statusCode : undefined;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500 ? status : undefined;
}

const HTTP_TITLES: Record<number, [slug: string, title: string]> = {
  400: ['malformed-request', 'The request cannot be read'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  413: ['body-too-large', 'Request body is too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
};

/** Nest's own exceptions, and Fastify's body-parsing errors, which Nest turns into HttpExceptions. */
function httpProblem(status: number, errorMessage: string): Problem {
  const [slug, title] = HTTP_TITLES[status] ?? [`http-${status}`, errorMessage];
  // Path and query parameters are validated by our own pipes, so Nest's remaining 400/413/415s are about the body.
  // Fastify's own 415, for a content type with no parser, says only "Unsupported Media Type".
  const message = status === 415 && /^Unsupported Media Type/i.test(errorMessage) ? 'Content-Type is not accepted: send application/json' : errorMessage;
  const errors = [400, 413, 415].includes(status) ? [{ field: '(body)', message }] : undefined;
  return problem(status, slug, title, { detail: message, errors });
}

function domainProblem(error: DomainError): { problem: Problem; retryAfter?: number } {
  const detail = error.message;
  switch (error.code) {
    case DomainErrorCode.IncidentNotFound:
    case DomainErrorCode.ApiKeyNotFound:
      return { problem: problem(404, 'not-found', 'Not found', { detail, ...error.details }) };
    case DomainErrorCode.ApiKeyNameTaken:
      return { problem: problem(409, 'name-taken', 'Name already taken', { detail, errors: [{ field: 'name', message: detail }] }) };
    case DomainErrorCode.LastAdminKey:
      return { problem: problem(409, 'last-admin-key', 'Last admin key', { detail }) };
    case DomainErrorCode.TransitionNotAllowed:
      return { problem: problem(409, 'transition-not-allowed', 'Transition not allowed', { detail, ...error.details }) };
    case DomainErrorCode.WorkflowUnavailable:
      return { problem: problem(503, 'unavailable', 'Temporarily unavailable', { detail }), retryAfter: RETRY_AFTER_SECONDS };
    case DomainErrorCode.IdempotencyKeyReused:
      return { problem: problem(422, 'idempotency-key-reused', 'Idempotency-Key already used', { detail, errors: [{ field: 'Idempotency-Key', message: detail }] }) };
    case DomainErrorCode.IntakeOverloaded:
      return { problem: problem(503, 'intake-overloaded', 'Intake is overloaded', { detail }), retryAfter: OVERLOAD_RETRY_AFTER_SECONDS };
    default: {
      const unhandled: never = error.code;
      throw new Error(`unmapped domain error code ${String(unhandled)}`);
    }
  }
}

/** Temporal did not answer, or not in time. A call it refused for good (isTemporalRefusal) is a 500 with an error id: no retry would help. */
function isTemporalUnavailable(error: unknown): boolean {
  if (error instanceof WorkflowUpdateFailedError || isTemporalRefusal(error)) return false;
  if (error instanceof ServiceError || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  return isGrpcServiceError(error);
}
