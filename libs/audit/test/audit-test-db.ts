import { randomBytes } from 'crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../persistence';

/** The database test/global-setup.ts started: the app role's login and the owner's. */
export function testDatabaseUrls(): { appUrl: string; ownerUrl: string } {
  const appUrl = process.env.VIGIL_TEST_DATABASE_URL;
  const ownerUrl = process.env.VIGIL_TEST_DATABASE_OWNER_URL;
  if (!appUrl || !ownerUrl) {
    throw new Error('VIGIL_TEST_DATABASE_URL and VIGIL_TEST_DATABASE_OWNER_URL must be set (test/global-setup.ts sets them)');
  }
  return { appUrl, ownerUrl };
}

export async function openDataSource(url: string, poolSize = 4): Promise<DataSource> {
  return new DataSource(dataSourceOptions(url, poolSize)).initialize();
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
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
 * A database of its own (needs CREATEDB for the owner), so tampering with it can never break
 * the verify of the tests sharing the main one. Migrated unless cloned from `template`.
 */
export async function createScratchDatabase(purpose: string, template?: string): Promise<ScratchDatabase> {
  const { appUrl, ownerUrl } = testDatabaseUrls();
  const name = `vigil_audit_${purpose}_${randomBytes(4).toString('hex')}`;
  const maintenance = withDatabase(ownerUrl, 'postgres');
  await runSql(maintenance, [`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`]);
  const scratch: ScratchDatabase = {
    name,
    appUrl: withDatabase(appUrl, name),
    ownerUrl: withDatabase(ownerUrl, name),
    drop: () => runSql(maintenance, [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]),
  };
  if (!template) {
    const owner = await openDataSource(scratch.ownerUrl, 1);
    try {
      await owner.runMigrations({ transaction: 'each' });
    } finally {
      await owner.destroy();
    }
  }
  return scratch;
}
