import { readFile, rm, writeFile } from 'node:fs/promises';
import { Client } from 'pg';
import { generateApiKey } from '../../persistence';

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
  /** True when the key must be shown to the user (then `shown()` once it has been). */
  generated: boolean;
}

/**
 * A configured key is passed through. Otherwise a generated key that was never shown (the stack
 * stopped between storing and showing it) is shown now; with neither and no active admin key
 * stored, a new one is made. The API stores only its hash, so until the user has seen it the key
 * waits in `unshownKeyFile` (owner-only), or an interrupted first start would lock them out.
 */
export async function decideAdminApiKey(
  configured: string | undefined,
  unshownKeyFile: string,
  hasActiveAdminKey: () => Promise<boolean>,
): Promise<AdminApiKeyDecision> {
  if (configured) return { key: configured, generated: false };
  const unshown = await readUnshownKey(unshownKeyFile);
  if (unshown) return { key: unshown, generated: true };
  if (await hasActiveAdminKey()) return { generated: false };
  const key = generateApiKey();
  await writeFile(unshownKeyFile, `${key}\n`, { mode: 0o600 });
  return { key, generated: true };
}

/** The key has been shown: forget it. */
export async function adminApiKeyShown(unshownKeyFile: string): Promise<void> {
  await rm(unshownKeyFile, { force: true });
}

async function readUnshownKey(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
