import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The superuser's login, kept inside the data folder it belongs to (readable by its owner only). */
export interface PostgresCredentials {
  user: string;
  password: string;
}

const FILE = 'vigil-credentials.json';

export async function readPostgresCredentials(dataDir: string): Promise<PostgresCredentials | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, FILE), 'utf8')) as PostgresCredentials;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function writePostgresCredentials(dataDir: string, credentials: PostgresCredentials): Promise<void> {
  await writeFile(join(dataDir, FILE), `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
}

export function newSuperuserCredentials(): PostgresCredentials {
  return { user: 'postgres', password: randomBytes(24).toString('base64url') };
}
