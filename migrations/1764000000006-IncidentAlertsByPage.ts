import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An incident's alerts read a page at a time, newest first (`GET /api/v1/incidents/:id/alerts`).
 *
 * - `alerts.received_at` in milliseconds, the precision of the page cursor, as 1764000000004 did
 *   for incidents: the alerts one intake transaction stores share a `received_at`.
 * - The index in the order pages are read, with the id that orders alerts of the same millisecond.
 */
export class IncidentAlertsByPage1764000000006 implements MigrationInterface {
  name = 'IncidentAlertsByPage1764000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX alerts_by_incident`);
    await q.query(`ALTER TABLE alerts ALTER COLUMN received_at TYPE timestamptz(3)`);
    await q.query(`CREATE INDEX alerts_by_incident ON alerts (incident_id, received_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX alerts_by_incident`);
    await q.query(`ALTER TABLE alerts ALTER COLUMN received_at TYPE timestamptz`);
    await q.query(`CREATE INDEX alerts_by_incident ON alerts (incident_id, received_at)`);
  }
}
