import { z } from 'zod';
import { API_KEY_ROLES, type ApiKeyEntity } from '../../../../libs/persistence';
import { isoTime } from '../http/openapi-schema';

/** An API key as listed: never its secret, only the prefix that tells keys apart. */
export const apiKeyViewSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(API_KEY_ROLES),
  prefix: z.string().describe('the first characters of the key, to recognise it'),
  createdBy: z.string(),
  createdAt: isoTime,
  revokedAt: isoTime.nullable(),
});

export type ApiKeyView = z.infer<typeof apiKeyViewSchema>;

export const createdApiKeySchema = apiKeyViewSchema.extend({ key: z.string().describe('the secret, shown in this answer only') });

export const apiKeyListSchema = z.strictObject({ items: z.array(apiKeyViewSchema) });

export function toApiKeyView(entity: ApiKeyEntity): ApiKeyView {
  return {
    id: entity.id,
    name: entity.name,
    role: entity.role,
    prefix: entity.keyPrefix,
    createdBy: entity.createdBy,
    createdAt: entity.createdAt.toISOString(),
    revokedAt: entity.revokedAt?.toISOString() ?? null,
  };
}
