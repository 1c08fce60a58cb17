import { Client } from 'pg';
import { deriveSecret, passwordOf, withCredentials } from './postgres-url';

export interface AppRoleOptions {
  /** The login role to create; default `vigil`. */
  role?: string;
  /** The group role the migrations grant row access to; default `vigil_app`. */
  memberOf?: string;
  /** Default: derived from the owner's password, so it is stable across runs without storing it. */
  password?: string;
}

/**
 * Ensures a LOGIN role that is a member of the migrations' `vigil_app` group (so it gets row
 * access and owns nothing) and returns the URL the app connects with. Run after the migrations.
 */
export async function ensureAppLoginRole(ownerUrl: string, options: AppRoleOptions = {}): Promise<string> {
  const role = options.role ?? 'vigil';
  const group = options.memberOf ?? 'vigil_app';
  const password = options.password ?? derivedAppPassword(ownerUrl, role);
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [group]);
    if (!rowCount) throw new Error(`role ${group} does not exist: run the migrations first`);
    const roleId = client.escapeIdentifier(role);
    const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount;
    // DDL takes no bind parameters; the password goes in as an escaped literal.
    const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT PASSWORD ${client.escapeLiteral(password)}`;
    await client.query(exists ? `ALTER ROLE ${roleId} WITH ${attributes}` : `CREATE ROLE ${roleId} WITH ${attributes}`);
    await client.query(`GRANT ${client.escapeIdentifier(group)} TO ${roleId}`);
  } finally {
    await client.end();
  }
  return withCredentials(ownerUrl, role, password);
}

function derivedAppPassword(ownerUrl: string, role: string): string {
  const ownerPassword = passwordOf(ownerUrl);
  if (!ownerPassword) throw new Error('the owner URL has no password to derive the app role password from; pass one');
  return deriveSecret(ownerPassword, `app-role:${role}`);
}
