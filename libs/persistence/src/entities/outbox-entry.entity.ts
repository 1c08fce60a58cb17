import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { QueuedIncidentCommand, IncidentWorkflowInput } from '../../../contracts';

/** What a row asks of Temporal: signal-with-start the incident workflow with this command. */
export interface OutboxPayload {
  input: IncidentWorkflowInput;
  command: QueuedIncidentCommand;
}

@Entity({ name: 'workflow_outbox' })
export class OutboxEntryEntity {
  /** bigserial: pg returns it as a string. */
  @PrimaryColumn('bigint') id!: string;
  @Column('uuid', { name: 'incident_id' }) incidentId!: string;
  @Column('text', { name: 'workflow_id' }) workflowId!: string;
  @Column('jsonb') payload!: OutboxPayload;
  @Column('text', { nullable: true }) traceparent!: string | null;
  @Column('text', { nullable: true }) tracestate!: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('integer') attempts!: number;
  @Column('timestamptz', { name: 'next_attempt_at' }) nextAttemptAt!: Date;
  @Column('timestamptz', { name: 'dispatched_at', nullable: true }) dispatchedAt!: Date | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
}
