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
