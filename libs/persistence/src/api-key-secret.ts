import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys are random 256-bit secrets, so a fast hash is enough to store them (as GitHub and
 * Stripe do); a slow KDF only matters for low-entropy passwords.
 */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

const VIGIL_KEY_START = 'vgl_';

export function generateApiKey(): string {
  return `${VIGIL_KEY_START}${randomBytes(32).toString('base64url')}`;
}

/**
 * Could this be a key at all: visible ASCII, at most 512 characters. Anything else (a NUL or other
 * control character decoded from Basic credentials, say) is refused before it reaches a query.
 */
export function isWellFormedApiKey(presented: string): boolean {
  return /^[\x21-\x7e]{1,512}$/.test(presented);
}

/**
 * What the key list shows so people can tell keys apart without the secret, and what a presented
 * key is looked up by. Vigil's own keys show their first 8 characters (`vgl_` and 4 of 43 random
 * ones). A key chosen by an operator (VIGIL_ADMIN_API_KEY) may give away a third of its secret that
 * way, in every backup too: it shows the start of its hash instead.
 */
export function apiKeyPrefix(key: string): string {
  return key.startsWith(VIGIL_KEY_START) ? key.slice(0, 8) : `sha256:${hashApiKey(key).slice(0, 8)}`;
}

export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
