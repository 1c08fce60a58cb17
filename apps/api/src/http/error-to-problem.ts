import { HttpException } from '@nestjs/common';
import { isGrpcServiceError, ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { DomainError, DomainErrorCode } from '../../../../libs/domain';
import { isDatabaseUnavailable } from '../../../../libs/persistence';
import { problem, ValidationProblem, type Problem } from './problem';

export const RETRY_AFTER_SECONDS = 5;

/** How every error maps to a problem; `null` means unexpected (a 500 with an error id). */
export function errorToProblem(error: unknown): { problem: Problem; retryAfter?: number } | null {
  if (error instanceof ValidationProblem) {
    return { problem: problem(400, 'validation', 'The request is not valid', { detail: error.message, errors: error.errors }) };
  }
  if (error instanceof DomainError) return domainProblem(error);
  if (isDatabaseUnavailable(error)) {
    return {
      problem: problem(503, 'storage-unavailable', 'Storage is unavailable', {
        detail: 'PostgreSQL cannot be reached; nothing was stored. Retry later.',
      }),
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (isTemporalUnavailable(error)) {
    return {
      problem: problem(503, 'workflow-unavailable', 'Temporal is unavailable', { detail: 'Retry later.' }),
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  const fastify = fastifyProblem(error);
  if (fastify) return { problem: fastify };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { problem: problem(status, `http-${status}`, error.message) };
  }
  return null;
}

function domainProblem(error: DomainError): { problem: Problem; retryAfter?: number } {
  const detail = error.message;
  switch (error.code) {
    case DomainErrorCode.IncidentNotFound:
    case DomainErrorCode.ApiKeyNotFound:
      return { problem: problem(404, 'not-found', 'Not found', { detail, ...error.details }) };
    case DomainErrorCode.TransitionNotAllowed:
      return { problem: problem(409, 'transition-not-allowed', 'Transition not allowed', { detail, ...error.details }) };
    case DomainErrorCode.StorageUnavailable:
    case DomainErrorCode.WorkflowUnavailable:
      return { problem: problem(503, 'unavailable', 'Temporarily unavailable', { detail }), retryAfter: RETRY_AFTER_SECONDS };
    default: {
      const unhandled: never = error.code;
      throw new Error(`unmapped domain error code ${String(unhandled)}`);
    }
  }
}

const FASTIFY_ERRORS: Record<string, { status: number; slug: string; title: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, slug: 'body-too-large', title: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, slug: 'unsupported-media-type', title: 'Unsupported media type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, slug: 'malformed-json', title: 'Request body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, slug: 'malformed-json', title: 'Request body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, slug: 'malformed-request', title: 'Invalid Content-Length' },
};

function fastifyProblem(error: unknown): Problem | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: string }).code;
  const known = code ? FASTIFY_ERRORS[code] : undefined;
  if (known) return problem(known.status, known.slug, known.title, { detail: error.message, errors: [{ field: '(body)', message: error.message }] });
  // Fastify's JSON parser raises a plain SyntaxError with statusCode 400.
  if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
    return problem(400, 'malformed-json', 'Request body is not valid JSON', { detail: error.message, errors: [{ field: '(body)', message: error.message }] });
  }
  const statusCode = (error as { statusCode?: number }).statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    return problem(statusCode, `http-${statusCode}`, error.message, { errors: [{ field: '(body)', message: error.message }] });
  }
  return null;
}

function isTemporalUnavailable(error: unknown): boolean {
  if (error instanceof WorkflowUpdateFailedError) return false;
  if (error instanceof ServiceError || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  return isGrpcServiceError(error);
}
