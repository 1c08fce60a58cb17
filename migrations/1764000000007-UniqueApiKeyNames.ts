import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An API key's name is its actor in the audit log (`apikey:<name>`), so no two keys may share one,
 * revoked keys included: the name must point at one key for as long as the log does.
 *
 * Keys that already share a name keep it on the oldest; the others get their id's first characters
 * appended. Down drops the constraint only: the renamed keys keep their new names.
 */
export class UniqueApiKeyNames1764000000007 implements MigrationInterface {
  name = 'UniqueApiKeyNames1764000000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE api_keys k SET name = k.name || ' (' || left(k.id::text, 8) || ')'
      FROM (SELECT id, row_number() OVER (PARTITION BY name ORDER BY created_at, id) AS nth FROM api_keys) ranked
      WHERE ranked.id = k.id AND ranked.nth > 1`);
    await q.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_name_key UNIQUE (name)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_name_key`);
  }
}
