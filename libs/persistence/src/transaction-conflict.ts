// SQLSTATE 40P01 deadlock_detected, 40001 serialization_failure: PostgreSQL rolled the transaction back; running it again is safe.
const CONFLICT_SQLSTATES = new Set(['40P01', '40001']);

export function isTransactionConflict(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, driverError, cause } = e as { code?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof code === 'string' && CONFLICT_SQLSTATES.has(code)) return true;
    e = driverError ?? cause;
  }
  return false;
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
