import { HttpException, HttpStatus } from '@nestjs/common';
import { API_KEY_ROLES, type ApiKeyRole } from '../../../../libs/persistence';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import type { AuthenticatedRequest, Principal } from './principal';

const BEARER = /^Bearer\s+(\S+)$/i;
const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)$/i;

/** Every role: routes any valid key may call. */
export const ANY_ROLE: readonly ApiKeyRole[] = API_KEY_ROLES;

/**
 * The caller behind a request's API key (Authorization: Bearer, X-API-Key, or Authorization: Basic
 * with the key as the password); 401 without a valid key. Sets `request.principal`.
 */
export async function authenticate(request: AuthenticatedRequest, apiKeys: ApiKeysService): Promise<Principal> {
  const presented = presentedKey(request);
  if (!presented) throw new HttpException('An API key is required: Authorization: Bearer <key> (or X-API-Key: <key>, or Basic with the key as password)', HttpStatus.UNAUTHORIZED);
  const principal = await apiKeys.authenticate(presented);
  if (!principal) throw new HttpException('The API key is unknown or revoked', HttpStatus.UNAUTHORIZED);
  request.principal = principal;
  return principal;
}

/** 403 unless the caller's role is one of `allowed`, or admin. */
export function authorize(principal: Principal, allowed: readonly ApiKeyRole[]): void {
  if (principal.role !== 'admin' && !allowed.includes(principal.role)) {
    throw new HttpException(`Role ${principal.role} may not call this route`, HttpStatus.FORBIDDEN);
  }
}

/** The key the request carries; a 401 saying so when it carries more than one. */
function presentedKey(request: AuthenticatedRequest): string | undefined {
  const apiKeyHeader = request.headers['x-api-key'];
  const fromHeader = typeof apiKeyHeader === 'string' && apiKeyHeader ? apiKeyHeader : undefined;
  // Node joins a repeated header's values with ", ", which no key contains.
  if (fromHeader?.includes(', ')) throw new HttpException('X-API-Key is given more than once: send one key', HttpStatus.UNAUTHORIZED);
  // Node keeps only the first of repeated Authorization headers: counted in the raw ones.
  if (request.headers.authorization !== undefined && timesGiven(request.raw.rawHeaders, 'authorization') > 1) {
    throw new HttpException('Authorization is given more than once: send one key', HttpStatus.UNAUTHORIZED);
  }
  const fromAuthorization = authorizationKey(request.headers.authorization);
  if (fromAuthorization && fromHeader && fromAuthorization !== fromHeader) {
    throw new HttpException('Two different API keys are given (Authorization and X-API-Key): send one', HttpStatus.UNAUTHORIZED);
  }
  return fromAuthorization ?? fromHeader;
}

/** How many times a header is in Node's raw list of names and values. */
function timesGiven(rawHeaders: readonly string[], lowerCaseName: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].length === lowerCaseName.length && rawHeaders[i].toLowerCase() === lowerCaseName) count++;
  return count;
}

function authorizationKey(header: string | undefined): string | undefined {
  const bearer = header ? BEARER.exec(header)?.[1] : undefined;
  if (bearer) return bearer;
  const basic = header ? BASIC.exec(header)?.[1] : undefined;
  return basic ? basicPassword(basic) : undefined;
}

/** `user:password` in base64 (RFC 7617); the user name is free, so a browser's prompt or Alertmanager's basic_auth can carry the key. */
function basicPassword(credentials: string): string | undefined {
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
}
