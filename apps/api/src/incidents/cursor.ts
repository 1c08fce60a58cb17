import { z } from 'zod';
import { isUuid } from '../../../../libs/domain';
import { queryText } from '../http/query-text';

/**
 * An opaque keyset cursor: the (time, id) of the last row on the previous page, for lists read
 * newest first by a millisecond timestamp with the id to order rows of the same millisecond.
 */
export interface PageCursor {
  at: string;
  id: string;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id]), 'utf8').toString('base64url');
}

/** Years 1–9999: JavaScript also writes six-digit years (`+010000-…`), which PostgreSQL does not read. */
function isIsoMillis(text: string): boolean {
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) return false;
  const year = time.getUTCFullYear();
  return year >= 1 && year <= 9999 && time.toISOString() === text;
}

export function decodeCursor(text: string): PageCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, id] = value as unknown[];
    // Exactly as encodeCursor writes them, so that PostgreSQL takes both.
    if (typeof at !== 'string' || !isIsoMillis(at)) return null;
    if (typeof id !== 'string' || !isUuid(id)) return null;
    return { at, id };
  } catch {
    return null;
  }
}

/** The `cursor` query parameter: the previous page's `nextCursor`, decoded. */
export const cursorParam = queryText().transform((text, ctx) => {
  const cursor = decodeCursor(text);
  if (!cursor) ctx.addIssue({ code: 'custom', message: 'not a cursor from this API' });
  return cursor ?? z.NEVER;
});

/** One page of rows read newest first: `limit` rows, and a cursor to the next page when there is one. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => PageCursor): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
