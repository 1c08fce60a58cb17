import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivered workflow commands are deleted once they are older than `VIGIL_OUTBOX_RETENTION_HOURS`,
 * so that the outbox does not grow with every incident for good. What became of each command is
 * in the audit log (`workflow.signaled`, `workflow.command_dropped`), which is never pruned; the
 * workflow drops redelivered commands by their id, and ids are never reused.
 *
 * The index holds delivered rows only: a new command adds nothing to it until it is delivered.
 */
export class PruneDeliveredCommands1764000000010 implements MigrationInterface {
  name = 'PruneDeliveredCommands1764000000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX workflow_outbox_delivered ON workflow_outbox (dispatched_at) WHERE dispatched_at IS NOT NULL`);
    await q.query(`GRANT DELETE ON workflow_outbox TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`REVOKE DELETE ON workflow_outbox FROM vigil_app`);
    await q.query(`DROP INDEX workflow_outbox_delivered`);
  }
}
