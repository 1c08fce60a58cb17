import { DataSource } from 'typeorm';
import { dataSourceOptions, isDatabaseUnavailable, postgresErrorOf } from '../../persistence';
import { ensureAppLoginRole } from './app-role';
import type { Log } from './log';

/** Runs every pending migration as the schema owner, each in its own transaction; returns their names. */
export async function runMigrations(ownerUrl: string, log: Log): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(ownerUrl, 1));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    const names = applied.map((migration) => migration.name);
    log(names.length ? `Migrations: applied ${names.join(', ')}` : 'Migrations: schema is up to date');
    return names;
  } finally {
    await dataSource.destroy();
  }
}

/** Migrates a cluster of the stack's own and returns the URL the apps connect with (a member of `vigil_app`). */
export async function migrateWithAppRole(ownerUrl: string, log: Log): Promise<string> {
  await runMigrations(ownerUrl, log);
  return ensureAppLoginRole(ownerUrl);
}

/** Which setting named the login the migrations ran as. */
export type MigrationLogin = 'DATABASE_OWNER_URL' | 'DATABASE_URL';

/** The setting whose login runs the migrations: the schema owner's when it is given, else the apps'. */
export function migrationLoginOf(env: NodeJS.ProcessEnv): MigrationLogin {
  return env.DATABASE_OWNER_URL ? 'DATABASE_OWNER_URL' : 'DATABASE_URL';
}

/**
 * A failed migration against a PostgreSQL of the user's, in words that name the setting to fix. Most
 * often: DATABASE_URL alone, the apps' login, which may not create anything.
 */
export function explainMigrationFailure(error: unknown, login: MigrationLogin): Error {
  const refusal = postgresErrorOf(error);
  // 42501 insufficient_privilege
  if (refusal?.code === '42501') {
    const unset = login === 'DATABASE_URL' ? " (DATABASE_URL, the apps' login, is used for them only when DATABASE_OWNER_URL is not set)" : '';
    return new Error(`the migrations were refused: ${refusal.message}. They run as the login that owns the schema: set DATABASE_OWNER_URL to it${unset}`);
  }
  if (refusal) return new Error(`PostgreSQL refused the migrations: ${refusal.message} (SQLSTATE ${refusal.code}); check ${login}`);
  const message = error instanceof Error ? error.message : String(error);
  if (isDatabaseUnavailable(error)) return new Error(`PostgreSQL (${login}) cannot be reached for the migrations: ${message}`);
  return error instanceof Error ? error : new Error(message);
}
