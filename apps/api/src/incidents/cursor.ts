import { isUuid } from '../http/uuid.pipe';

/** An opaque keyset cursor: the (createdAt, id) of the last incident on the previous page. */
export interface IncidentCursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(cursor: IncidentCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');
}

function isIsoMillis(text: string): boolean {
  const time = new Date(text);
  return !Number.isNaN(time.getTime()) && time.getUTCFullYear() >= 1 && time.toISOString() === text;
}

export function decodeCursor(text: string): IncidentCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [createdAt, id] = value as unknown[];
    // Exactly as encodeCursor writes them, so that PostgreSQL takes both.
    if (typeof createdAt !== 'string' || !isIsoMillis(createdAt)) return null;
    if (typeof id !== 'string' || !isUuid(id)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}
