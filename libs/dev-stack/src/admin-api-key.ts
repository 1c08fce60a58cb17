import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export function generateAdminApiKey(): string {
  return `vgl_${randomBytes(32).toString('base64url')}`;
}

export async function hasActiveAdminApiKey(databaseUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query(`SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1`);
    return Boolean(rowCount);
  } finally {
    await client.end();
  }
}

export interface AdminApiKeyDecision {
  /** The key to hand the API as VIGIL_ADMIN_API_KEY, if any. */
  key?: string;
  /** True when the key is new and must be shown to the user once. */
  generated: boolean;
}

/**
 * A configured key is passed through; with none configured and no active admin key stored, a new
 * one is made (the API stores only its hash). Otherwise the API starts without one.
 */
export async function decideAdminApiKey(configured: string | undefined, databaseUrl: string): Promise<AdminApiKeyDecision> {
  if (configured) return { key: configured, generated: false };
  if (await hasActiveAdminApiKey(databaseUrl)) return { generated: false };
  return { key: generateAdminApiKey(), generated: true };
}
