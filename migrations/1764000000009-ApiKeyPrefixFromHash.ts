import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys an operator chose (VIGIL_ADMIN_API_KEY) were listed, and stored, by their first 8
 * characters: a third of a 24-character secret. They now go by the start of their hash, as
 * `apiKeyPrefix` computes it for a presented key; Vigil's own `vgl_` keys keep theirs.
 */
export class ApiKeyPrefixFromHash1764000000009 implements MigrationInterface {
  name = 'ApiKeyPrefixFromHash1764000000009';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE api_keys SET key_prefix = 'sha256:' || left(key_hash, 8) WHERE key_prefix NOT LIKE 'vgl\\_%'`);
  }

  /** The secrets are not stored, so their first characters cannot come back: such keys stay listed by their hash. */
  async down(): Promise<void> {}
}
