import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepSqliteOwnerOnly } from './owner-only';

describe('keepSqliteOwnerOnly', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'vigil-owner-only-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('takes the database and its WAL files away from other users, and passes over those not there', async () => {
    const db = join(dir, 'temporal.sqlite');
    await writeFile(db, '', { mode: 0o644 });
    await writeFile(`${db}-wal`, '', { mode: 0o644 });
    await keepSqliteOwnerOnly(db);
    expect((await stat(db)).mode & 0o777).toBe(0o600);
    expect((await stat(`${db}-wal`)).mode & 0o777).toBe(0o600);
  });
});
