import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../persistence';
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
