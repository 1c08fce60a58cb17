import { createHash } from 'node:crypto';
import { identifyingLabelsKey } from '../../../../libs/domain';

/** The sender's dedup key when given, else a stable hash of the alert's identifying labels. */
export function alertFingerprint(labels: Record<string, string>, dedupKey?: string): string {
  if (dedupKey) return dedupKey;
  return createHash('sha256').update(identifyingLabelsKey(labels)).digest('hex').slice(0, 32);
}
