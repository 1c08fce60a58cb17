import { z } from 'zod';

/**
 * A whole number in a query string, written plainly: `limit=10`, not `0x10`, `1e1` or ` 10` (which
 * `Number()` would all take), and once (a repeated parameter is named, not read as NaN).
 */
export const wholeNumber = (bounds: { min: number; max?: number }) =>
  z
    .string({ error: (issue) => (Array.isArray(issue.input) ? 'give it once' : 'must be a whole number') })
    .regex(/^\d{1,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(bounds.max === undefined ? z.int().min(bounds.min) : z.int().min(bounds.min).max(bounds.max));
