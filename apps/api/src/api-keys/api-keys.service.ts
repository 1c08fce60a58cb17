import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { IsNull, Like, Not, Repository } from 'typeorm';
import { API_KEYS_CHAIN_ID, AuditLog } from '../../../../libs/audit';
import { VigilConfig } from '../../../../libs/config';
import { DomainError, DomainErrorCode } from '../../../../libs/domain';
import {
  apiKeyPrefix,
  ApiKeyEntity,
  generateApiKey,
  hashApiKey,
  hashesEqual,
  isDatabaseUnavailable,
  isUniqueViolation,
  isWellFormedApiKey,
  type ApiKeyRole,
} from '../../../../libs/persistence';
import { activeTraceFields, inRootSpan } from '../../../../libs/telemetry';
import type { Principal } from '../auth/principal';
import { resolvesWithin } from '../resolves-within';
import { toApiKeyView, type ApiKeyView } from './api-key.view';
import { firstFreeName } from './first-free-name';

const BOOTSTRAP_KEY_NAME = 'bootstrap-admin';
/** Names are unique (migration 1764000000007): a name is one key's actor in the audit log. */
const NAME_CONSTRAINT = 'api_keys_name_key';
/**
 * How long after its last check a key keeps working while PostgreSQL is unavailable or slow to
 * answer. A revocation cannot commit during an outage; one committed by another API process just
 * before it reaches this one no later than this, or as soon as a lookup gets through.
 */
const STALE_KEY_WHILE_UNAVAILABLE_MS = 10 * 60_000;
/** How long a key verified lately waits for its lookup before it is let in on that verification. */
const STALE_KEY_LOOKUP_WAIT_MS = 2_000;
/** Wrong keys remembered at most; past it the oldest is forgotten (a flood of random keys grows nothing). */
const MAX_UNKNOWN_KEYS_KEPT = 10_000;
/** pg_advisory_xact_lock key of revocations (audit checkpoints use 7413300001). */
const REVOCATION_LOCK = 7413300002;

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ApiKeysService.name);
  /** Authenticated keys by hash, so intake at thousands of requests/s does not query per request. */
  private readonly cache = new Map<string, { principal: Principal; until: number; verifiedAt: number }>();
  /** Keys found unknown or revoked, by hash, until when that answer stands (oldest first). */
  private readonly unknown = new Map<string, number>();
  /** Key lookups under way, by hash. */
  private readonly lookups = new Map<string, Promise<Principal | null>>();
  /** Revocations committed so far by this process. */
  private revocations = 0;

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly auditLog: AuditLog,
    private readonly config: VigilConfig,
  ) {}

  /** Stores VIGIL_ADMIN_API_KEY (hashed) as an admin key, once. */
  onApplicationBootstrap(): Promise<void> {
    return inRootSpan('vigil.api_keys.bootstrap', () => this.storeBootstrapKey());
  }

  private async storeBootstrapKey(): Promise<void> {
    const key = this.config.adminApiKey;
    if (!key) {
      // A database migrated by hand, with no npm start to make the first key: nothing but health could be used.
      if (!(await this.keys.existsBy({ role: 'admin', revokedAt: IsNull() }))) {
        this.logger.warn('no admin API key exists, so no key can be created and every route but /health answers 401: set VIGIL_ADMIN_API_KEY (at least 24 characters) and restart to store it as one');
      }
      return;
    }
    const stored = await this.keys.findOneBy({ keyHash: hashApiKey(key) });
    if (stored?.revokedAt) {
      // Revoked stays revoked: a restart must not bring back a key someone took away.
      this.logger.warn(
        `VIGIL_ADMIN_API_KEY is the API key ${stored.name}, revoked at ${stored.revokedAt.toISOString()}: it stays revoked. Set another VIGIL_ADMIN_API_KEY, or create an admin key with one that works`,
      );
    }
    if (stored && stored.role !== 'admin' && !stored.revokedAt) {
      // Never promoted: that would hand admin rights to whoever holds that key already.
      this.logger.warn(
        `VIGIL_ADMIN_API_KEY is the API key ${stored.name}, whose role is ${stored.role}, not admin: it keeps its role. Set another VIGIL_ADMIN_API_KEY, or create an admin key with one that works`,
      );
    }
    if (stored) return;
    // A name is one key's actor in the audit log: a later, different VIGIL_ADMIN_API_KEY gets a name of its own.
    for (let attempt = 1; ; attempt++) {
      const taken = await this.keys.find({ select: { name: true }, where: { name: Like(`${BOOTSTRAP_KEY_NAME}%`) } });
      const name = firstFreeName(BOOTSTRAP_KEY_NAME, new Set(taken.map((k) => k.name)));
      try {
        await this.store(key, name, 'admin', 'vigil:bootstrap');
        this.logger.log(`stored the bootstrap admin API key (its hash) as ${name}`);
        return;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Another API process starting with the same key stored it first.
        if (await this.isStored(key)) return;
        // Or one starting with another new key took the name: take the next one.
        if (!isUniqueViolation(error, NAME_CONSTRAINT) || attempt >= 3) throw error;
      }
    }
  }

  async authenticate(presented: string): Promise<Principal | null> {
    if (!isWellFormedApiKey(presented)) return null;
    const hash = hashApiKey(presented);
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.principal;
    if ((this.unknown.get(hash) ?? 0) > Date.now()) return null;
    const lookup = this.lookUp(presented, hash);
    if (!cached || Date.now() - cached.verifiedAt > STALE_KEY_WHILE_UNAVAILABLE_MS) return lookup;
    // While PostgreSQL is unavailable, a key verified lately still gets in: /metrics can then be
    // scraped through the outage, and every route that needs PostgreSQL answers 503 all the same.
    // Nor does it wait out a pool that cannot connect (5 s): a scrape must end within Prometheus's 10 s.
    try {
      return (await resolvesWithin(lookup, STALE_KEY_LOOKUP_WAIT_MS)) ? await lookup : cached.principal;
    } catch (error) {
      if (isDatabaseUnavailable(error)) return cached.principal;
      throw error;
    }
  }

  /** One lookup at a time per key: when a busy key's cached copy expires, its requests share one query. */
  private lookUp(presented: string, hash: string): Promise<Principal | null> {
    const underway = this.lookups.get(hash);
    if (underway) return underway;
    const lookup = this.readKey(presented, hash).finally(() => {
      if (this.lookups.get(hash) === lookup) this.lookups.delete(hash);
    });
    // A caller that stopped waiting leaves its failure to no one.
    lookup.catch(() => undefined);
    this.lookups.set(hash, lookup);
    return lookup;
  }

  private async readKey(presented: string, hash: string): Promise<Principal | null> {
    const revocations = this.revocations;
    // Found by the prefix the key list shows, then told apart by hash in constant time: the
    // database lookup never depends on the secret part.
    const candidates = await this.keys.findBy({ keyPrefix: apiKeyPrefix(presented), revokedAt: IsNull() });
    const entity = candidates.find((candidate) => hashesEqual(candidate.keyHash, hash));
    if (!entity) {
      // Revoked by another API process: no outage grace for it from here on.
      this.cache.delete(hash);
      this.rememberUnknown(hash);
      return null;
    }
    const principal: Principal = { keyId: entity.id, name: entity.name, role: entity.role };
    // Not cached if a revocation committed meanwhile: this lookup may have read the key before it.
    const now = Date.now();
    if (revocations === this.revocations) this.cache.set(hash, { principal, until: now + this.config.apiKeyCacheMs, verifiedAt: now });
    return principal;
  }

  async create(name: string, role: ApiKeyRole, actor: string): Promise<ApiKeyView & { key: string }> {
    const key = generateApiKey();
    try {
      const entity = await this.store(key, name, role, actor);
      return { ...toApiKeyView(entity), key };
    } catch (error) {
      if (isUniqueViolation(error, NAME_CONSTRAINT)) {
        throw new DomainError(DomainErrorCode.ApiKeyNameTaken, `an API key named ${JSON.stringify(name)} exists (names are never reused: each is one key's actor in the audit log)`);
      }
      throw error;
    }
  }

  async list(): Promise<ApiKeyView[]> {
    const all = await this.keys.find({ order: { createdAt: 'ASC' } });
    return all.map(toApiKeyView);
  }

  /** Revokes a key; never the last active admin key, which would leave no one able to manage keys. */
  async revoke(id: string, actor: string): Promise<ApiKeyView> {
    const revoked = await this.keys.manager.transaction(async (manager) => {
      // One revocation at a time: of revocations of one key at once, one revokes and audits, the
      // others see it revoked; and two admins revoking each other's keys at once cannot leave none.
      await manager.query('SELECT pg_advisory_xact_lock($1)', [REVOCATION_LOCK]);
      const entity = await manager.findOneBy(ApiKeyEntity, { id });
      if (!entity) throw new DomainError(DomainErrorCode.ApiKeyNotFound, `no API key ${id}`);
      if (!entity.revokedAt && entity.role === 'admin' && !(await manager.existsBy(ApiKeyEntity, { role: 'admin', revokedAt: IsNull(), id: Not(id) }))) {
        throw new DomainError(DomainErrorCode.LastAdminKey, `${entity.name} is the last admin API key that works: create another admin key before revoking it`);
      }
      if (!entity.revokedAt) {
        entity.revokedAt = new Date();
        await manager.save(entity);
        await this.auditLog.append(this.auditEvent('api_key.revoked', actor, entity), manager);
      }
      return entity;
    });
    // Revocation is immediate in this process; other API processes drop their cached copy within VIGIL_API_KEY_CACHE_MS.
    this.revocations++;
    // Lookups under way may have read the key before the revocation: later requests start their own.
    this.lookups.clear();
    for (const [hash, { principal }] of this.cache) if (principal.keyId === revoked.id) this.cache.delete(hash);
    return toApiKeyView(revoked);
  }

  /** A sender with a wrong or revoked key, retrying fast, costs one query per cache period, not one per request. */
  private rememberUnknown(hash: string): void {
    if (this.unknown.size >= MAX_UNKNOWN_KEYS_KEPT) this.unknown.delete(this.unknown.keys().next().value!);
    this.unknown.set(hash, Date.now() + this.config.apiKeyCacheMs);
  }

  private async isStored(key: string): Promise<boolean> {
    return this.keys.existsBy({ keyHash: hashApiKey(key) });
  }

  private async store(key: string, name: string, role: ApiKeyRole, actor: string): Promise<ApiKeyEntity> {
    const stored = await this.keys.manager.transaction(async (manager) => {
      const entity = manager.create(ApiKeyEntity, {
        id: randomUUID(),
        name,
        role,
        keyHash: hashApiKey(key),
        keyPrefix: apiKeyPrefix(key),
        createdBy: actor,
        createdAt: new Date(),
        revokedAt: null,
      });
      await manager.insert(ApiKeyEntity, entity);
      await this.auditLog.append(this.auditEvent('api_key.created', actor, entity), manager);
      return entity;
    });
    // Presented before it was stored (a VIGIL_ADMIN_API_KEY), it works from now on.
    this.unknown.delete(stored.keyHash);
    return stored;
  }

  private auditEvent(type: string, actor: string, entity: ApiKeyEntity) {
    return {
      chainId: API_KEYS_CHAIN_ID,
      type,
      actor,
      ...activeTraceFields(),
      data: { keyId: entity.id, name: entity.name, role: entity.role },
    };
  }
}
