export { AuditLog, type AuditLogOptions } from './src/audit-log';
export type {
  AuditBreak,
  AuditBreakReason,
  AuditCheckpoint,
  AuditEventInput,
  AuditEventRecord,
  AuditTimelineEntry,
  AuditTimelineOptions,
  AuditVerifyReport,
} from './src/audit.types';
export { AUDIT_BREAK_REASONS } from './src/audit.types';
export { AuditInputError } from './src/audit-input-error';
export type { ContentHole } from './src/event-content';
export { API_KEYS_CHAIN_ID, CHECKPOINT_CHAIN_ID, alertChainId, incidentChainId, workflowChainId } from './src/chain-ids';
export { canonicalJson } from './src/canonical-json';
