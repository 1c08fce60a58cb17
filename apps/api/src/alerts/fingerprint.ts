import { hash } from 'node:crypto';
import { identifyingLabelsKey } from '../../../../libs/domain';

/** The sender's dedup key when given, else a stable hash of the alert's identifying labels. */
export function alertFingerprint(labels: Record<string, string>, dedupKey?: string): string {
  if (dedupKey) return dedupKey;
  return hash('sha256', identifyingLabelsKey(labels), 'hex').slice(0, 32);
}
