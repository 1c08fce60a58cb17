import { errorChain } from '../../errors';

// SQLSTATE 40P01 deadlock_detected, 40001 serialization_failure: PostgreSQL rolled the transaction back; running it again is safe.
const CONFLICT_SQLSTATES = new Set(['40P01', '40001']);
const UNIQUE_VIOLATION = '23505';
/** Raised by intake_accept (migration 1764000000005) when an Idempotency-Key was used before for a different request. */
const IDEMPOTENCY_KEY_REUSED = 'VG422';

/**
 * Five digits or capitals, as SQLSTATEs are, but no class begins with E: a code such as EPIPE or
 * EPERM is Node's, from the socket, not PostgreSQL's.
 */
const SQLSTATE = /^(?!E)[0-9A-Z]{5}$/;

/** PostgreSQL's error (code, message, and the constraint it names), from the error or the driver error TypeORM wraps it in. */
export function postgresErrorOf(error: unknown): { code: string; message: string; constraint?: string } | undefined {
  for (const { code, message, constraint } of errorChain(error)) {
    if (typeof code === 'string' && SQLSTATE.test(code)) {
      return { code, message: typeof message === 'string' ? message : '', constraint: typeof constraint === 'string' ? constraint : undefined };
    }
  }
  return undefined;
}

function isTransactionConflict(error: unknown): boolean {
  return CONFLICT_SQLSTATES.has(postgresErrorOf(error)?.code ?? '');
}

/** A unique violation; of the named constraint only, when one is given. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const found = postgresErrorOf(error);
  return found?.code === UNIQUE_VIOLATION && (constraint === undefined || found.constraint === constraint);
}

export function isIdempotencyKeyReused(error: unknown): boolean {
  return postgresErrorOf(error)?.code === IDEMPOTENCY_KEY_REUSED;
}

/** Runs a whole transaction again when PostgreSQL aborted it for a deadlock or serialization conflict. */
export async function retryOnConflict<T>(transaction: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= attempts || !isTransactionConflict(error)) throw error;
    }
  }
}
