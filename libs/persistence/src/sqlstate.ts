// SQLSTATE 40P01 deadlock_detected, 40001 serialization_failure: PostgreSQL rolled the transaction back; running it again is safe.
const CONFLICT_SQLSTATES = new Set(['40P01', '40001']);
const UNIQUE_VIOLATION = '23505';

/** PostgreSQL's error (code, and the constraint it names), from the error or the driver error TypeORM wraps it in. */
function postgresErrorOf(error: unknown): { code: string; constraint?: string } | undefined {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, constraint, driverError, cause } = e as { code?: unknown; constraint?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return { code, constraint: typeof constraint === 'string' ? constraint : undefined };
    e = driverError ?? cause;
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
