import { ServiceError } from '@temporalio/client';
import { describeErrorChain, isTemporalRefusal } from './temporal-errors';

const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

describe('Temporal errors', () => {
  it('tells a refusal for good from a call Temporal did not answer, through the client\'s wrapper', () => {
    expect(isTemporalRefusal(new ServiceError('Failed to start Workflow', { cause: grpc(3, 'INVALID_ARGUMENT: no mapping defined for search attribute VigilSeverity') }))).toBe(true);
    expect(isTemporalRefusal(grpc(9, 'FAILED_PRECONDITION'))).toBe(true);
    expect(isTemporalRefusal(new ServiceError('Failed to start Workflow', { cause: grpc(14, 'UNAVAILABLE: No connection established') }))).toBe(false);
    expect(isTemporalRefusal(grpc(4, 'DEADLINE_EXCEEDED'))).toBe(false);
    expect(isTemporalRefusal(new Error('boom'))).toBe(false);
    // A PostgreSQL error's code is text, never a gRPC status.
    expect(isTemporalRefusal(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });

  it('describes an error with the reason its cause gives', () => {
    const error = new ServiceError('Failed to signalWithStart Workflow', { cause: grpc(3, 'Namespace prod has no mapping defined for search attribute VigilSeverity') });
    expect(describeErrorChain(error)).toBe(
      'ServiceError: Failed to signalWithStart Workflow ← Error: 3 Namespace prod has no mapping defined for search attribute VigilSeverity',
    );
    expect(describeErrorChain('plain text')).toBe('plain text');
  });
});
