import { z } from 'zod';
import { GIVE_IT_ONCE } from './query-text';

/**
 * A whole number in a query string, written plainly: `limit=10`, not `0x10`, `1e1` or ` 10` (which
 * `Number()` would all take), and once (a repeated parameter is named, not read as NaN).
 */
export const wholeNumber = (bounds: { min: number; max?: number }) => {
  // One message for `-1`, `x` and `0` alike, saying what would do.
  const rule = bounds.max === undefined ? `must be a whole number, at least ${bounds.min}` : `must be a whole number from ${bounds.min} to ${bounds.max}`;
  const int = z.int().min(bounds.min, rule);
  return z
    .string({ error: (issue) => (Array.isArray(issue.input) ? GIVE_IT_ONCE : rule) })
    .regex(/^\d+$/, { message: rule, abort: true })
    // Past 15 digits a number may not survive Number() exactly.
    .regex(/^\d{1,15}$/, 'must have at most 15 digits')
    .transform(Number)
    .pipe(bounds.max === undefined ? int : int.max(bounds.max, rule));
};
