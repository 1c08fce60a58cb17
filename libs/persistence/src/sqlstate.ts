// SQLSTATE 40P01 deadlock_detected, 40001 serialization_failure: PostgreSQL rolled the transaction back; running it again is safe.
const CONFLICT_SQLSTATES = new Set(['40P01', '40001']);
const UNIQUE_VIOLATION = '23505';

/** PostgreSQL's error code, from the error or the driver error TypeORM wraps it in. */
function sqlStateOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, driverError, cause } = e as { code?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = driverError ?? cause;
  }
  return undefined;
}

export function isTransactionConflict(error: unknown): boolean {
  return CONFLICT_SQLSTATES.has(sqlStateOf(error) ?? '');
}

export function isUniqueViolation(error: unknown): boolean {
  return sqlStateOf(error) === UNIQUE_VIOLATION;
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
