import { HttpException } from '@nestjs/common';
import { ServiceError } from '@temporalio/client';
import { DomainError, DomainErrorCode } from '../../../../libs/domain';
import { ServerClosing } from './drain-on-close';
import { errorToProblem } from './error-to-problem';
import { ValidationProblem } from './problem';

describe('errorToProblem', () => {
  it.each([
    [new ValidationProblem([{ field: 'labels.severity', message: 'bad' }]), 400, undefined],
    [new DomainError(DomainErrorCode.IncidentNotFound, 'no'), 404, undefined],
    [new DomainError(DomainErrorCode.ApiKeyNotFound, 'no'), 404, undefined],
    [new DomainError(DomainErrorCode.TransitionNotAllowed, 'no'), 409, undefined],
    [new DomainError(DomainErrorCode.LastAdminKey, 'no'), 409, undefined],
    [new DomainError(DomainErrorCode.WorkflowUnavailable, 'down'), 503, 5],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 503, 5],
    [Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), 503, 5],
    [Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }), 503, 5],
    [new Error('Query read timeout'), 503, 5],
    [new ServerClosing(), 503, 5],
    [new HttpException('Request body is too large', 413), 413, undefined],
    [new HttpException('nope', 403), 403, undefined],
  ])('maps %s to %i', (error, status, retryAfter) => {
    const mapped = errorToProblem(error);
    expect(mapped?.problem.status).toBe(status);
    expect(mapped?.retryAfter).toBe(retryAfter);
  });

  it('answers 503 only when Temporal did not answer, and an unexpected error (500) when it refused the call for good', () => {
    const grpc = (code: number, message: string) => Object.assign(new Error(`${code} ${message}`), { code, details: message, metadata: {} });
    const failed = (code: number, message: string) => new ServiceError('Failed to signalWithStart Workflow', { cause: grpc(code, message) });
    expect(errorToProblem(failed(14, 'No connection established'))).toMatchObject({ problem: { status: 503 }, retryAfter: 5 });
    expect(errorToProblem(grpc(4, 'Deadline exceeded'))).toMatchObject({ problem: { status: 503 }, retryAfter: 5 });
    expect(errorToProblem(failed(8, 'namespace rate limit exceeded'))).toMatchObject({ problem: { status: 503 }, retryAfter: 5 });
    expect(errorToProblem(failed(3, 'Namespace prod has no mapping defined for search attribute VigilSeverity'))).toBeNull();
    expect(errorToProblem(grpc(7, 'Request unauthorized'))).toBeNull();
    expect(errorToProblem(failed(16, 'invalid API key'))).toBeNull();
  });

  it('names the field of a validation problem', () => {
    const mapped = errorToProblem(new ValidationProblem([{ field: 'labels.severity', message: 'bad' }]));
    expect(mapped?.problem.errors).toEqual([{ field: 'labels.severity', message: 'bad' }]);
  });

  it('says nothing was stored only when PostgreSQL answered: a statement it never answered may have committed', () => {
    expect(errorToProblem(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))?.problem).toMatchObject({
      type: expect.stringContaining('storage-unavailable'),
      detail: expect.stringContaining('nothing was stored'),
    });
    for (const unanswered of [
      new Error('Query read timeout'),
      new Error('Connection terminated unexpectedly'),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    ]) {
      // Any request may meet it, a read too: the advice to retry with an Idempotency-Key is for alerts only.
      expect(errorToProblem(unanswered)?.problem).toMatchObject({
        type: expect.stringContaining('storage-no-answer'),
        title: 'Storage did not answer',
        status: 503,
        detail: 'PostgreSQL did not answer in time. A request that stores something may or may not have been stored: retry it (alerts with the same Idempotency-Key, to store them exactly once).',
      });
    }
    for (const refused of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      new Error('timeout exceeded when trying to connect'),
    ]) {
      expect(errorToProblem(refused)?.problem).toMatchObject({ type: expect.stringContaining('storage-unavailable'), detail: expect.stringContaining('nothing was stored') });
    }
  });

  it("answers a Fastify plugin's own client error with its status, and leaves its server errors unmapped", () => {
    const forbidden = Object.assign(new Error('Forbidden'), { statusCode: 403 });
    expect(errorToProblem(forbidden)?.problem).toMatchObject({ status: 403, title: 'Forbidden', detail: 'Forbidden' });
    expect(errorToProblem(Object.assign(new Error('plugin broke'), { statusCode: 500 }))).toBeNull();
  });

  it('leaves unexpected errors unmapped, so they become a 500 with an error id', () => {
    expect(errorToProblem(new TypeError('x is undefined'))).toBeNull();
    expect(errorToProblem(Object.assign(new Error('permission denied for table alerts'), { code: '42501' }))).toBeNull();
  });
});
