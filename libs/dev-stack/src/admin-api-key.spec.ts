import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminApiKeyShown, decideAdminApiKey } from './admin-api-key';

describe('decideAdminApiKey', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-admin-key-'));
    file = join(dir, 'unshown-admin-api-key');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const stored = (active: boolean) => () => Promise.resolve(active);

  it('passes a configured key through, neither generated nor written down', async () => {
    expect(await decideAdminApiKey('vgl_configured', file, stored(false))).toEqual({ key: 'vgl_configured', generated: false });
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('makes a key when no admin key is stored, and keeps it (owner-only) until it has been shown', async () => {
    const decision = await decideAdminApiKey(undefined, file, stored(false));
    expect(decision).toEqual({ key: expect.stringMatching(/^vgl_[A-Za-z0-9_-]{43}$/), generated: true });
    expect((await readFile(file, 'utf8')).trim()).toBe(decision.key);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('shows the same key again when a start was stopped before showing it, though its hash is stored', async () => {
    const first = await decideAdminApiKey(undefined, file, stored(false));
    expect(await decideAdminApiKey(undefined, file, stored(true))).toEqual({ key: first.key, generated: true });
  });

  it('makes no key once the key has been shown and an admin key is stored', async () => {
    await decideAdminApiKey(undefined, file, stored(false));
    await adminApiKeyShown(file);
    expect(await decideAdminApiKey(undefined, file, stored(true))).toEqual({ generated: false });
  });
});
