import { AlertEntity } from './alert.entity';
import { ApiKeyEntity } from './api-key.entity';
import { IncidentEntity } from './incident.entity';
import { OutboxEntryEntity } from './outbox-entry.entity';

export { AlertEntity, ApiKeyEntity, IncidentEntity, OutboxEntryEntity };
export { ALERT_OUTCOMES, type AlertOutcome } from './alert.entity';
export { API_KEY_ROLES, type ApiKeyRole } from './api-key.entity';
export type { OutboxPayload } from './outbox-entry.entity';

export const ENTITIES = [IncidentEntity, AlertEntity, ApiKeyEntity, OutboxEntryEntity];
