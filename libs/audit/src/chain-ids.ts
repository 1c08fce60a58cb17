import { isUuid } from '../../domain';
import { AuditInputError } from './audit-input-error';

/** The chain of API keys created and revoked. */
export const API_KEYS_CHAIN_ID = 'system:api-keys';

/** How `AuditBreak.chainId` names the checkpoint chain; no event chain can have this id. */
export const CHECKPOINT_CHAIN_ID = '$checkpoints';

// Visible ASCII only: bytewise (COLLATE "C") and UTF-16 order agree, and the checkpoint
// digest's tab/newline separators cannot occur inside an id.
const CHAIN_ID = /^[A-Za-z0-9][\x21-\x7E]{0,199}$/;

/** PostgreSQL prints uuids in lower case; hashing the same form keeps the row and its hash equal. */
export function normaliseUuid(value: string, field: string): string {
  if (!isUuid(value)) throw new AuditInputError(`${field}: "${value}" is not a uuid`);
  return value.toLowerCase();
}

export function assertChainId(chainId: string): void {
  if (!CHAIN_ID.test(chainId)) {
    throw new AuditInputError(`chainId: "${chainId}" must be 1-200 visible ASCII characters starting with a letter or digit`);
  }
}

/** The chain of one incident: every event of its life, in order. */
export function incidentChainId(incidentId: string): string {
  return `incident:${normaliseUuid(incidentId, 'incidentId')}`;
}

/** The chain of a workflow's events that name no incident. */
export function workflowChainId(workflowId: string): string {
  return `workflow:${workflowId}`;
}

/** The chain of an alert fingerprint's events while no incident holds them. */
export function alertChainId(fingerprint: string): string {
  const chainId = `alerts:${fingerprint}`;
  assertChainId(chainId);
  return chainId;
}
