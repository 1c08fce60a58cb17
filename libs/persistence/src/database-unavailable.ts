import { errorChain } from '../../errors';

// ECONNRESET and EPIPE are no answer (below), a case of unavailable too.
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);
// SQLSTATE classes 08 (connection exception), 53 (insufficient resources: too many connections,
// out of memory, disk full) and 57P (operator intervention: shutdown, cannot connect now).
// 57014 query_canceled: statement_timeout (VIGIL_DB_QUERY_TIMEOUT_MS) ran out; rolled back, like a refusal.
// 55000: the database does not accept connections now (ALLOW_CONNECTIONS false). 55P03: a lock wait timed out.
const UNAVAILABLE_SQLSTATE = /^(08|53|57P|57014$|55000$|55P03$)/;
// The client's read timeout (PostgreSQL frozen), and a connection lost under a statement (reset,
// or closed without PostgreSQL saying why): either way the statement may have run to its commit.
const NO_ANSWER_MESSAGES = [/Query read timeout/, /Connection terminated unexpectedly/i];
const NO_ANSWER_NODE_CODES = new Set(['ECONNRESET', 'EPIPE']);
// TypeORM's QueryRunnerAlreadyReleasedError and QueryRunnerProviderAlreadyReleasedError: a
// transaction's connection was lost between its statements (TypeORM lets go of a connection on its
// error event), so the next one was never sent.
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /the database system is (starting up|shutting down)/i,
  /Query runner already released/,
  /provided by a query runner was already released/,
];

/**
 * True when PostgreSQL did not answer a statement (frozen, cut off, or its connection lost without
 * a word): unlike the other unavailable cases, the statement may have committed after all. Errors
 * PostgreSQL sent itself (shutting down, statement timeout) mean it rolled back.
 */
export function isDatabaseSilent(error: unknown): boolean {
  for (const { code, message } of errorChain(error)) {
    if (typeof message === 'string' && NO_ANSWER_MESSAGES.some((pattern) => pattern.test(message))) return true;
    if (typeof code === 'string' && NO_ANSWER_NODE_CODES.has(code)) return true;
  }
  return false;
}

/** True when an error means PostgreSQL could not be reached, went away or did not answer in time, so the caller may retry later. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (isDatabaseSilent(error)) return true;
  for (const { code, message } of errorChain(error)) {
    if (typeof code === 'string' && (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  }
  return false;
}
