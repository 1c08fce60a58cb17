import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One incident's workflow commands are delivered in outbox order by every API process, not only
 * within one: before delivering a command, the dispatcher asks whether an earlier one for the same
 * workflow is still undelivered (another process holds it, or it awaits a retry). This index answers
 * that from the undelivered rows of that workflow alone.
 */
export class UndeliveredCommandsByWorkflow1764000000008 implements MigrationInterface {
  name = 'UndeliveredCommandsByWorkflow1764000000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX workflow_outbox_undelivered_by_workflow ON workflow_outbox (workflow_id, id) WHERE dispatched_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX workflow_outbox_undelivered_by_workflow`);
  }
}
