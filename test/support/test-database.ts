import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { runMigrations, silentLog } from '../../libs/dev-stack';
import { dataSourceOptions } from '../../libs/persistence';
import { testEnv } from './test-env';

/** The database test/global-setup.ts started: the app role's login and the owner's. */
export function testDatabaseUrls(): { appUrl: string; ownerUrl: string } {
  return { appUrl: testEnv('VIGIL_TEST_DATABASE_URL'), ownerUrl: testEnv('VIGIL_TEST_DATABASE_OWNER_URL') };
}

export async function openDataSource(url: string, poolSize = 4): Promise<DataSource> {
  return new DataSource(dataSourceOptions(url, poolSize)).initialize();
}

/** The same server and login, another database. */
export function inDatabase(url: string, database: string): string {
  return Object.assign(new URL(url), { pathname: `/${database}` }).toString();
}

/** Runs statements as one client on `url`, then closes it. */
export async function runSql(url: string, statements: Array<string | [string, unknown[]]>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of statements) {
      if (typeof s === 'string') await client.query(s);
      else await client.query(s[0], s[1]);
    }
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  name: string;
  appUrl: string;
  ownerUrl: string;
  drop(): Promise<void>;
}

/**
 * A database of its own on the test server (the owner has CREATEDB), migrated as in production
 * unless cloned from `template`: what one test does to it (tampering with the audit log, an outbox
 * poller taking rows) never meets the tests sharing the main one.
 */
export async function createScratchDatabase(prefix: string, template?: string): Promise<ScratchDatabase> {
  const { appUrl, ownerUrl } = testDatabaseUrls();
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const maintenance = inDatabase(ownerUrl, 'postgres');
  await runSql(maintenance, [`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`]);
  const scratch: ScratchDatabase = {
    name,
    appUrl: inDatabase(appUrl, name),
    ownerUrl: inDatabase(ownerUrl, name),
    drop: () => runSql(maintenance, [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]),
  };
  if (!template) await runMigrations(scratch.ownerUrl, silentLog);
  return scratch;
}
