import { chmod } from 'node:fs/promises';

/**
 * Makes a SQLite database and its WAL files readable by their owner only. The data folder stays
 * open (PostgreSQL's own user must reach its folder in it), and SQLite gives new WAL files the
 * database file's mode.
 */
export async function keepSqliteOwnerOnly(dbFilename: string): Promise<void> {
  for (const path of [dbFilename, `${dbFilename}-wal`, `${dbFilename}-shm`]) {
    await chmod(path, 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
