import { createHmac } from 'node:crypto';

export interface PostgresUrlParts {
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
}

export function postgresUrl(parts: PostgresUrlParts): string {
  const url = new URL(`postgres://${parts.host}:${parts.port}/${encodeURIComponent(parts.database)}`);
  url.username = encodeURIComponent(parts.user);
  url.password = encodeURIComponent(parts.password);
  return url.toString();
}

/** The same server and database, logged in as someone else. */
export function withCredentials(url: string, user: string, password: string): string {
  const copy = new URL(url);
  copy.username = encodeURIComponent(user);
  copy.password = encodeURIComponent(password);
  return copy.toString();
}

export function passwordOf(url: string): string {
  return decodeURIComponent(new URL(url).password);
}

/** A stable secret for `purpose`, derived from one that is already kept (so nothing new is stored). */
export function deriveSecret(fromSecret: string, purpose: string): string {
  return createHmac('sha256', fromSecret).update(`vigil:${purpose}`).digest('base64url');
}
