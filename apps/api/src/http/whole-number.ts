import { z } from 'zod';
import { GIVE_IT_ONCE } from './query-text';

/**
 * A whole number in a query string, written plainly: `limit=10`, not `0x10`, `1e1` or ` 10` (which
 * `Number()` would all take), and once (a repeated parameter is named, not read as NaN).
 */
export const wholeNumber = (bounds: { min: number; max?: number }) =>
  z
    .string({ error: (issue) => (Array.isArray(issue.input) ? GIVE_IT_ONCE : 'must be a whole number') })
    .regex(/^\d+$/, { message: 'must be a whole number', abort: true })
    // Past 15 digits a number may not survive Number() exactly.
    .regex(/^\d{1,15}$/, 'must have at most 15 digits')
    .transform(Number)
    .pipe(bounds.max === undefined ? z.int().min(bounds.min) : z.int().min(bounds.min).max(bounds.max));
