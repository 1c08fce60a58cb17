import { google, temporal } from '@temporalio/proto';
import { errorChain } from '../../errors';

/**
 * gRPC codes with which Temporal refuses a call for good: asking again will not help until someone
 * changes something (a search attribute not registered in the namespace, a key without the right).
 * Every other code (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED…) may pass.
 */
const REFUSAL_CODES: ReadonlySet<number> = new Set([
  3, // INVALID_ARGUMENT
  5, // NOT_FOUND
  7, // PERMISSION_DENIED
  9, // FAILED_PRECONDITION
  11, // OUT_OF_RANGE
  12, // UNIMPLEMENTED
  16, // UNAUTHENTICATED
]);

/** Whether Temporal refused the call for good (see REFUSAL_CODES), as opposed to not answering it. */
export function isTemporalRefusal(error: unknown): boolean {
  for (const { code } of errorChain(error)) if (typeof code === 'number' && REFUSAL_CODES.has(code)) return true;
  return false;
}

/**
 * The error's message with those of its causes: the Temporal client's own message only names the
 * call ("Failed to signalWithStart Workflow"), the server's reason is in its cause.
 */
export function describeErrorChain(error: unknown): string {
  const messages = [...errorChain(error)].map(({ name, message }) => `${typeof name === 'string' ? `${name}: ` : ''}${String(message)}`);
  return messages.length ? messages.join(' ← ') : String(error);
}

const TYPE_URL_PREFIX = 'type.googleapis.com/';
const WORKFLOW_NOT_READY = `${TYPE_URL_PREFIX}temporal.api.errordetails.v1.WorkflowNotReadyFailure`;
const MULTI_OPERATION_FAILURE = `${TYPE_URL_PREFIX}temporal.api.errordetails.v1.MultiOperationExecutionFailure`;

/**
 * Whether Temporal refused an update (or update-with-start) because the workflow is not making
 * progress: its workflow task keeps failing (a bug that throws in the workflow, a non-determinism
 * error after a code change), and Temporal takes no update until a task completes again. Told by
 * the failure's details (WorkflowNotReadyFailure, for update-with-start inside a
 * MultiOperationExecutionFailure), not by its code: FAILED_PRECONDITION has other reasons too.
 */
export function isWorkflowNotReady(error: unknown): boolean {
  for (const link of errorChain(error)) {
    for (const detail of statusDetails(link)) {
      if (detail.type_url === WORKFLOW_NOT_READY) return true;
      // Each operation's own status, the update's among them (the start's says only that it was aborted).
      if (detail.type_url === MULTI_OPERATION_FAILURE && detail.value) {
        const statuses = decodeOr(() => temporal.api.errordetails.v1.MultiOperationExecutionFailure.decode(detail.value!).statuses, []);
        if (statuses.some((status) => status.details?.some((d) => d.type_url === WORKFLOW_NOT_READY))) return true;
      }
    }
  }
  return false;
}

/** The details of a gRPC error's status (its `grpc-status-details-bin` trailer); none when it has none or they cannot be read. */
function statusDetails(link: object): google.protobuf.IAny[] {
  const metadata = (link as { metadata?: { get?: unknown } }).metadata;
  const [encoded] = typeof metadata?.get === 'function' ? (metadata.get('grpc-status-details-bin') as unknown[]) : [];
  return encoded instanceof Uint8Array ? decodeOr(() => google.rpc.Status.decode(encoded).details, []) : [];
}

function decodeOr<T>(decode: () => T, fallback: T): T {
  try {
    return decode();
  } catch {
    return fallback;
  }
}
