import { ServiceError } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';
import { describeErrorChain, isTemporalRefusal, isWorkflowNotReady } from './temporal-errors';

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

  describe('isWorkflowNotReady', () => {
    const any = (type: string, value: Uint8Array = new Uint8Array()) => ({ type_url: `type.googleapis.com/${type}`, value });
    const notReady = { code: 9, message: 'Unable to perform workflow execution update due to Workflow Task in failed state.', details: [any('temporal.api.errordetails.v1.WorkflowNotReadyFailure')] };
    const aborted = { code: 10, message: 'Operation was aborted.', details: [any('temporal.api.failure.v1.MultiOperationExecutionAborted')] };
    const multiOperation = (...statuses: google.rpc.IStatus[]) =>
      any('temporal.api.errordetails.v1.MultiOperationExecutionFailure', temporal.api.errordetails.v1.MultiOperationExecutionFailure.encode({ statuses }).finish());
    /** A gRPC error as the client gets it: its status's details in the `grpc-status-details-bin` trailer. */
    const grpcWithDetails = (code: number, message: string, ...details: google.protobuf.IAny[]) => {
      const trailer = google.rpc.Status.encode({ code, message, details }).finish();
      return Object.assign(new Error(`${code} ${message}`), { code, details: message, metadata: { get: (key: string) => (key === 'grpc-status-details-bin' ? [Buffer.from(trailer)] : []) } });
    };

    it('tells an update-with-start Temporal refused because the workflow task keeps failing, as the client throws it (the raw gRPC error)', () => {
      expect(isWorkflowNotReady(grpcWithDetails(9, 'Update-with-Start could not be executed.', multiOperation(aborted, notReady)))).toBe(true);
    });

    it('tells a plain update refused so, through the client\'s wrapper', () => {
      expect(isWorkflowNotReady(new ServiceError('Workflow Update failed', { cause: grpcWithDetails(9, notReady.message, ...notReady.details) }))).toBe(true);
    });

    it('does not take another FAILED_PRECONDITION, or an update-with-start that failed for another reason, for it', () => {
      const refusedStart = { code: 3, message: 'no mapping defined for search attribute VigilSeverity', details: [any('temporal.api.errordetails.v1.InvalidArgumentFailure')] };
      expect(isWorkflowNotReady(grpcWithDetails(9, 'Update-with-Start could not be executed.', multiOperation(refusedStart, aborted)))).toBe(false);
      expect(isWorkflowNotReady(grpcWithDetails(9, 'FAILED_PRECONDITION: something else'))).toBe(false);
      expect(isWorkflowNotReady(grpc(9, 'FAILED_PRECONDITION'))).toBe(false);
      expect(isWorkflowNotReady(new Error('boom'))).toBe(false);
      expect(isWorkflowNotReady(undefined)).toBe(false);
    });

    it('is false, not an error, for details it cannot read', () => {
      const garbled = Object.assign(new Error('9 ?'), { code: 9, metadata: { get: () => [Buffer.from([0xff, 0xff, 0xff])] } });
      expect(isWorkflowNotReady(garbled)).toBe(false);
      expect(isWorkflowNotReady(grpcWithDetails(9, 'x', any('temporal.api.errordetails.v1.MultiOperationExecutionFailure', new Uint8Array([0xff, 0xff]))))).toBe(false);
    });
  });
});
