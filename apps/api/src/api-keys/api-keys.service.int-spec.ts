import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { IsNull, Like, type DataSource, type Repository } from 'typeorm';
import { AuditLog } from '../../../../libs/audit';
import { ApiKeyPrefixFromHash1764000000009 } from '../../../../migrations/1764000000009-ApiKeyPrefixFromHash';
import { createScratchDatabase, openDataSource, runSql, testDatabaseUrls } from '../../../../test/support/test-database';
import { VigilConfig } from '../../../../libs/config';
import { DomainErrorCode } from '../../../../libs/domain';
import { ApiKeyEntity, hashApiKey } from '../../../../libs/persistence';
import { ApiKeysService } from './api-keys.service';

describe('ApiKeysService on PostgreSQL', () => {
  let ds: DataSource;
  let repository: Repository<ApiKeyEntity>;
  let service: ApiKeysService;

  beforeAll(async () => {
    ds = await openDataSource(testDatabaseUrls().appUrl);
    repository = ds.getRepository(ApiKeyEntity);
    // A cache long enough that only the revocation itself can end a cached key's life here.
    const config = VigilConfig.fromEnv({ DATABASE_URL: testDatabaseUrls().appUrl, VIGIL_API_KEY_CACHE_MS: '600000' });
    service = new ApiKeysService(repository, new AuditLog(ds), config);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await ds?.destroy();
  });

  it('does not cache a key that a lookup read just before its revocation committed', async () => {
    const { id, key } = await service.create('racing-sender', 'ingest', 'test');
    // The lookup reads the key while it is still valid, and gets its answer only after the revoke committed.
    let revoked!: () => void;
    const revocationCommitted = new Promise<void>((resolve) => (revoked = resolve));
    const read = repository.findBy.bind(repository);
    jest.spyOn(repository, 'findBy').mockImplementationOnce(async (where) => {
      const rows = await read(where);
      await revocationCommitted;
      return rows;
    });
    const racing = service.authenticate(key);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await service.revoke(id, 'test');
    revoked();

    // What the racing lookup read was true when it read it; it must not outlive the revocation.
    expect(await racing).toMatchObject({ keyId: id });
    expect(await service.authenticate(key)).toBeNull();
  });

  it('starts when another API process stored the same VIGIL_ADMIN_API_KEY between its lookup and its insert', async () => {
    const adminKey = `vgl_${randomBytes(24).toString('base64url')}`;
    const config = VigilConfig.fromEnv({ DATABASE_URL: testDatabaseUrls().appUrl, VIGIL_ADMIN_API_KEY: adminKey });
    const first = new ApiKeysService(repository, new AuditLog(ds), config);
    const second = new ApiKeysService(repository, new AuditLog(ds), config);
    await first.onApplicationBootstrap();
    // The second process looked before the first stored it.
    jest.spyOn(repository, 'findOneBy').mockResolvedValueOnce(null);
    await expect(second.onApplicationBootstrap()).resolves.toBeUndefined();
    expect(await repository.countBy({ keyHash: hashApiKey(adminKey) })).toBe(1);
    expect(await second.authenticate(adminKey)).toMatchObject({ role: 'admin' });
  });

  it('keeps a revoked VIGIL_ADMIN_API_KEY revoked at the next start, and says so in the log', async () => {
    const adminKey = `vgl_${randomBytes(24).toString('base64url')}`;
    const config = VigilConfig.fromEnv({ DATABASE_URL: testDatabaseUrls().appUrl, VIGIL_ADMIN_API_KEY: adminKey });
    const first = new ApiKeysService(repository, new AuditLog(ds), config);
    await first.onApplicationBootstrap();
    const [stored] = await repository.findBy({ keyHash: hashApiKey(adminKey) });
    await service.create(`other-admin-${randomBytes(4).toString('hex')}`, 'admin', 'test');
    await first.revoke(stored.id, 'apikey:other-admin');

    const restarted = new ApiKeysService(repository, new AuditLog(ds), config);
    const warned = jest.spyOn(Logger.prototype, 'warn');
    await restarted.onApplicationBootstrap();
    expect(warned.mock.calls.map((call) => String(call[0]))).toContainEqual(expect.stringContaining(`VIGIL_ADMIN_API_KEY is the API key ${stored.name}, revoked at`));
    expect(await restarted.authenticate(adminKey)).toBeNull();
    expect(await repository.countBy({ keyHash: hashApiKey(adminKey) })).toBe(1);
  });

  it('never makes an existing key of another role admin because it is VIGIL_ADMIN_API_KEY, and says so in the log', async () => {
    const { key, name } = await service.create(`sender-${randomBytes(4).toString('hex')}`, 'ingest', 'test');
    const config = VigilConfig.fromEnv({ DATABASE_URL: testDatabaseUrls().appUrl, VIGIL_ADMIN_API_KEY: key });
    const started = new ApiKeysService(repository, new AuditLog(ds), config);
    const warned = jest.spyOn(Logger.prototype, 'warn');
    await started.onApplicationBootstrap();
    expect(warned.mock.calls.map((call) => String(call[0]))).toContainEqual(expect.stringContaining(`VIGIL_ADMIN_API_KEY is the API key ${name}, whose role is ingest, not admin`));
    expect(await started.authenticate(key)).toMatchObject({ role: 'ingest' });
    expect(await repository.countBy({ keyHash: hashApiKey(key) })).toBe(1);
  });

  it('gives every key a name of its own, for good: the name is its actor in the audit log', async () => {
    const name = `sender-${randomBytes(4).toString('hex')}`;
    const { id } = await service.create(name, 'ingest', 'test');
    await expect(service.create(name, 'admin', 'test')).rejects.toMatchObject({ code: DomainErrorCode.ApiKeyNameTaken });
    await service.revoke(id, 'test');
    await expect(service.create(name, 'ingest', 'test')).rejects.toMatchObject({ code: DomainErrorCode.ApiKeyNameTaken });
    expect(await repository.countBy({ name })).toBe(1);
  });

  it('names a second VIGIL_ADMIN_API_KEY apart from the first, and both work', async () => {
    const keys = [`vgl_${randomBytes(24).toString('base64url')}`, `vgl_${randomBytes(24).toString('base64url')}`];
    const principals = [];
    for (const adminKey of keys) {
      const bootstrapping = new ApiKeysService(repository, new AuditLog(ds), VigilConfig.fromEnv({ DATABASE_URL: testDatabaseUrls().appUrl, VIGIL_ADMIN_API_KEY: adminKey }));
      await bootstrapping.onApplicationBootstrap();
      principals.push(await bootstrapping.authenticate(adminKey));
    }
    expect(principals.map((p) => p?.role)).toEqual(['admin', 'admin']);
    expect(new Set(principals.map((p) => p?.name)).size).toBe(2);
  });

  it('lists a VIGIL_ADMIN_API_KEY the operator chose by the start of its hash, and still takes one listed by its first characters before the upgrade', async () => {
    const scratch = await createScratchDatabase('vigil_key_prefix');
    const [app, owner] = await Promise.all([openDataSource(scratch.appUrl), openDataSource(scratch.ownerUrl)]);
    try {
      const before = `operator-chosen-${randomBytes(8).toString('hex')}`;
      const after = `operator-chosen-${randomBytes(8).toString('hex')}`;
      // Stored by an earlier version: by its first 8 characters. Then the upgrade's migration.
      await runSql(scratch.ownerUrl, [
        [`INSERT INTO api_keys (id, name, role, key_hash, key_prefix, created_by) VALUES (gen_random_uuid(), 'bootstrap-admin', 'admin', $1, $2, 'vigil:bootstrap')`, [hashApiKey(before), before.slice(0, 8)]],
      ]);
      await new ApiKeyPrefixFromHash1764000000009().up(owner.createQueryRunner());
      const services = [before, after].map((adminKey) => new ApiKeysService(app.getRepository(ApiKeyEntity), new AuditLog(app), VigilConfig.fromEnv({ DATABASE_URL: scratch.appUrl, VIGIL_ADMIN_API_KEY: adminKey })));
      for (const bootstrapping of services) await bootstrapping.onApplicationBootstrap();
      expect(await Promise.all([services[0].authenticate(before), services[1].authenticate(after)]).then((found) => found.map((p) => p?.role))).toEqual(['admin', 'admin']);
      const listed = await services[0].list();
      expect(listed.map((key) => key.prefix)).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{8}$/), expect.stringMatching(/^sha256:[0-9a-f]{8}$/)]);
      expect(JSON.stringify(listed)).not.toContain('operator');
      // Vigil's own keys keep their readable start.
      const created = await services[0].create('own-key', 'ingest', 'test');
      expect(created.prefix).toBe(created.key.slice(0, 8));
      expect((await services[0].authenticate(created.key))?.name).toBe('own-key');
    } finally {
      await Promise.all([app.destroy(), owner.destroy()]);
      await scratch.drop();
    }
  });

  it('gives a new VIGIL_ADMIN_API_KEY the first free name, also when someone chose the next bootstrap name for a key of their own', async () => {
    const bootstrapNames = await repository.countBy({ name: Like('bootstrap-admin%') });
    const chosen = await service.create(`bootstrap-admin-${bootstrapNames + 2}`, 'auditor', 'test');
    const adminKey = `vgl_${randomBytes(24).toString('base64url')}`;
    const bootstrapping = new ApiKeysService(repository, new AuditLog(ds), VigilConfig.fromEnv({ DATABASE_URL: testDatabaseUrls().appUrl, VIGIL_ADMIN_API_KEY: adminKey }));
    await expect(bootstrapping.onApplicationBootstrap()).resolves.toBeUndefined();
    const principal = await bootstrapping.authenticate(adminKey);
    expect(principal).toMatchObject({ role: 'admin', name: expect.stringMatching(/^bootstrap-admin(-\d+)?$/) });
    expect(principal?.name).not.toBe(chosen.name);
  });

  it('revokes a key once when it is revoked many times at once: one audit event, one revocation time', async () => {
    // A pool as large as the API's, so that the revocations really run side by side.
    const wide = await openDataSource(testDatabaseUrls().appUrl, 10);
    try {
      const config = VigilConfig.fromEnv({ DATABASE_URL: testDatabaseUrls().appUrl });
      const revoking = new ApiKeysService(wide.getRepository(ApiKeyEntity), new AuditLog(wide), config);
      const { id } = await revoking.create(`revoked-at-once-${randomBytes(4).toString('hex')}`, 'ingest', 'test');
      // Ten connections open before the race, so that none waits on a new connection meanwhile.
      await Promise.all(Array.from({ length: 10 }, () => wide.query('SELECT pg_sleep(0.05)')));
      const answers = await Promise.all(Array.from({ length: 10 }, () => revoking.revoke(id, 'test')));
      expect(new Set(answers.map((answer) => answer.revokedAt)).size).toBe(1);
      const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'api_key.revoked' AND data->>'keyId' = $1`, [id])) as Array<{ n: number }>;
      expect(n).toBe(1);
    } finally {
      await wide.destroy();
    }
  });

  it('keeps the last admin key that works: of two admins revoking each other\'s keys at once, one is refused', async () => {
    const scratch = await createScratchDatabase('vigil_keys');
    const wide = await openDataSource(scratch.appUrl, 10);
    try {
      const keys = new ApiKeysService(wide.getRepository(ApiKeyEntity), new AuditLog(wide), VigilConfig.fromEnv({ DATABASE_URL: scratch.appUrl }));
      const [alice, bob] = [await keys.create('alice', 'admin', 'test'), await keys.create('bob', 'admin', 'test')];
      const sender = await keys.create('sender', 'ingest', 'test');
      await Promise.all(Array.from({ length: 10 }, () => wide.query('SELECT pg_sleep(0.05)')));
      const outcomes = await Promise.allSettled([keys.revoke(alice.id, 'apikey:bob'), keys.revoke(bob.id, 'apikey:alice')]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: DomainErrorCode.LastAdminKey });
      const left = await wide.getRepository(ApiKeyEntity).findOneByOrFail({ role: 'admin', revokedAt: IsNull() });
      await expect(keys.revoke(left.id, 'test')).rejects.toMatchObject({ code: DomainErrorCode.LastAdminKey, message: expect.stringContaining(`${left.name} is the last admin API key`) });
      expect(await keys.authenticate(left.id === alice.id ? alice.key : bob.key)).toMatchObject({ role: 'admin' });
      // Other keys go as before, and so does an admin key once there is another.
      await expect(keys.revoke(sender.id, 'test')).resolves.toMatchObject({ revokedAt: expect.any(String) });
      await keys.create('carol', 'admin', 'test');
      await expect(keys.revoke(left.id, 'test')).resolves.toMatchObject({ revokedAt: expect.any(String) });
    } finally {
      await wide.destroy();
      await scratch.drop();
    }
  });

  it('says at start that no admin key exists when none does and VIGIL_ADMIN_API_KEY is not set', async () => {
    const scratch = await createScratchDatabase('vigil_no_admin');
    const scratchDs = await openDataSource(scratch.appUrl, 2);
    try {
      const keys = new ApiKeysService(scratchDs.getRepository(ApiKeyEntity), new AuditLog(scratchDs), VigilConfig.fromEnv({ DATABASE_URL: scratch.appUrl }));
      const warned = jest.spyOn(Logger.prototype, 'warn');
      const warnings = () => warned.mock.calls.map((call) => String(call[0]));
      await keys.onApplicationBootstrap();
      expect(warnings()).toContainEqual(expect.stringContaining('no admin API key exists, so no key can be created and every route but /health answers 401: set VIGIL_ADMIN_API_KEY'));

      warned.mockClear();
      await keys.create('ops', 'admin', 'test');
      await keys.onApplicationBootstrap();
      expect(warnings()).not.toContainEqual(expect.stringContaining('no admin API key exists'));
    } finally {
      await scratchDs.destroy();
      await scratch.drop();
    }
  });

  it('asks PostgreSQL once per cache period about a wrong key sent again and again', async () => {
    const lookup = jest.spyOn(repository, 'findBy');
    lookup.mockClear();
    try {
      const wrong = `vgl_${randomBytes(32).toString('base64url')}`;
      for (let i = 0; i < 5; i++) expect(await service.authenticate(wrong)).toBeNull();
      expect(lookup).toHaveBeenCalledTimes(1);
    } finally {
      lookup.mockRestore();
    }
  });

  it('stops a cached key as soon as it is revoked', async () => {
    const { id, key } = await service.create('cached-sender', 'ingest', 'test');
    expect(await service.authenticate(key)).toMatchObject({ keyId: id, role: 'ingest' });
    await service.revoke(id, 'test');
    expect(await service.authenticate(key)).toBeNull();
  });

  it('keeps the outage grace of other keys when one key is revoked', async () => {
    // Entries expire at once here, so every authentication asks PostgreSQL.
    const config = VigilConfig.fromEnv({ DATABASE_URL: testDatabaseUrls().appUrl, VIGIL_API_KEY_CACHE_MS: '0' });
    const keys = new ApiKeysService(repository, new AuditLog(ds), config);
    const kept = await keys.create('kept-through-outage', 'auditor', 'test');
    const revoked = await keys.create('revoked-before-outage', 'ingest', 'test');
    expect(await keys.authenticate(kept.key)).toMatchObject({ keyId: kept.id });
    expect(await keys.authenticate(revoked.key)).toMatchObject({ keyId: revoked.id });
    await keys.revoke(revoked.id, 'test');

    jest.spyOn(repository, 'findBy').mockRejectedValue(Object.assign(new Error('the database system is shutting down'), { code: '57P01' }));
    try {
      expect(await keys.authenticate(kept.key)).toMatchObject({ keyId: kept.id, role: 'auditor' });
      // Not let in: with no verified copy, the lookup's failure stands (a 503).
      await expect(keys.authenticate(revoked.key)).rejects.toThrow('shutting down');
    } finally {
      jest.mocked(repository.findBy).mockRestore();
    }
  });

  it('lets a key verified lately in on that verification when PostgreSQL does not answer, rather than wait for the pool', async () => {
    const config = VigilConfig.fromEnv({ DATABASE_URL: testDatabaseUrls().appUrl, VIGIL_API_KEY_CACHE_MS: '0' });
    const keys = new ApiKeysService(repository, new AuditLog(ds), config);
    const scraper = await keys.create('scraper-during-freeze', 'auditor', 'test');
    expect(await keys.authenticate(scraper.key)).toMatchObject({ keyId: scraper.id });

    // A frozen PostgreSQL: the lookup gets no answer at all (the pool gives up only after 5 s).
    const lookup = jest.spyOn(repository, 'findBy').mockReturnValue(new Promise(() => undefined));
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const answers = [keys.authenticate(scraper.key), keys.authenticate(scraper.key)];
      await jest.advanceTimersByTimeAsync(2_000);
      expect(await Promise.all(answers)).toEqual([expect.objectContaining({ keyId: scraper.id }), expect.objectContaining({ keyId: scraper.id })]);
      // Requests of one key wait on one lookup, not one each.
      expect(lookup).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
      lookup.mockRestore();
    }
  });

  it('gives no outage grace to a key another API process revoked, once a lookup has found it gone', async () => {
    const config = VigilConfig.fromEnv({ DATABASE_URL: testDatabaseUrls().appUrl, VIGIL_API_KEY_CACHE_MS: '0' });
    const here = new ApiKeysService(repository, new AuditLog(ds), config);
    const elsewhere = new ApiKeysService(repository, new AuditLog(ds), config);
    const sender = await here.create('revoked-elsewhere', 'ingest', 'test');
    expect(await here.authenticate(sender.key)).toMatchObject({ keyId: sender.id });
    await elsewhere.revoke(sender.id, 'test');
    expect(await here.authenticate(sender.key)).toBeNull();

    jest.spyOn(repository, 'findBy').mockRejectedValue(Object.assign(new Error('the database system is shutting down'), { code: '57P01' }));
    try {
      await expect(here.authenticate(sender.key)).rejects.toThrow('shutting down');
    } finally {
      jest.mocked(repository.findBy).mockRestore();
    }
  });
});
