import type { z } from 'zod';
import { parseWith } from './parse-with';
import { ValidationProblem } from './problem';

/** A query value whose percent-encoding does not decode to UTF-8 text (`%ZZ`, an encoded lone surrogate). */
export class MalformedQueryValue {
  constructor(readonly raw: string) {}
}

type QueryValue = string | MalformedQueryValue;
export type ParsedQuery = Record<string, QueryValue | QueryValue[]>;

function decode(text: string): QueryValue {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return new MalformedQueryValue(text);
  }
}

/**
 * Fastify's query string parser, strict about percent-encoding: the default leaves `%ZZ` as it is,
 * and a filter on it then matches nothing (a `200` with an empty page) instead of being refused.
 * A name given more than once gives an array, as with the default.
 */
export function parseQueryString(query: string): ParsedQuery {
  const parsed: ParsedQuery = Object.create(null) as ParsedQuery;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const rawName = at === -1 ? pair : pair.slice(0, at);
    const decodedName = decode(rawName);
    const name = decodedName instanceof MalformedQueryValue ? rawName : decodedName;
    const value = decodedName instanceof MalformedQueryValue ? decodedName : decode(at === -1 ? '' : pair.slice(at + 1));
    const earlier = parsed[name];
    if (earlier === undefined) parsed[name] = value;
    else if (Array.isArray(earlier)) earlier.push(value);
    else parsed[name] = [earlier, value];
  }
  return parsed;
}

/** Validates a route's query: a value that is not percent-encoded UTF-8 is named first, then the schema's rules. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const malformed = Object.entries((query ?? {}) as ParsedQuery)
    .filter(([, value]) => (Array.isArray(value) ? value : [value]).some((one) => one instanceof MalformedQueryValue))
    .map(([field]) => ({ field, message: 'not percent-encoded UTF-8 text' }));
  if (malformed.length > 0) throw new ValidationProblem(malformed);
  return parseWith(schema, query);
}
