import { z } from 'zod';

/**
 * A query parameter that takes one value or several, repeated (`?status=triggered&status=acknowledged`,
 * as Swagger UI sends a multi-select) or comma-separated (`?status=triggered,acknowledged`); matched
 * as "any of". An unknown value is refused, naming the parameter.
 */
export function oneOrMoreOf<const T extends readonly [string, ...string[]]>(values: T) {
  const allowed = new Set<string>(values);
  return z.union([z.string(), z.array(z.string())]).transform((raw, ctx): Array<T[number]> => {
    const given = (Array.isArray(raw) ? raw : [raw]).flatMap((text) => text.split(','));
    const unknown = given.filter((value) => !allowed.has(value));
    if (unknown.length || given.length === 0) {
      ctx.addIssue({ code: 'custom', message: `${unknown.map((v) => JSON.stringify(v)).join(', ')}: expected one or more of ${values.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(given)] as Array<T[number]>;
  });
}
