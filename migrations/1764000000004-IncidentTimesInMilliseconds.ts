import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `incidents.created_at` in milliseconds, the precision JavaScript dates (and so the list cursor)
 * carry. With microseconds, the incidents one intake transaction opened share a `created_at` that
 * a cursor could not name exactly, and a page boundary among them skipped the rest.
 */
export class IncidentTimesInMilliseconds1764000000004 implements MigrationInterface {
  name = 'IncidentTimesInMilliseconds1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE incidents ALTER COLUMN created_at TYPE timestamptz(3)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE incidents ALTER COLUMN created_at TYPE timestamptz`);
  }
}
