import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { IncidentStatus, Severity } from '../../../domain';

@Entity({ name: 'incidents' })
export class IncidentEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') fingerprint!: string;
  @Column('text') status!: IncidentStatus;
  @Column('text') severity!: Severity;
  @Column('text') service!: string;
  @Column('text') alertname!: string;
  @Column('text') title!: string;
  @Column('jsonb') labels!: Record<string, string>;
  @Column('integer', { name: 'occurrence_count' }) occurrenceCount!: number;
  @Column('timestamptz', { name: 'first_seen_at' }) firstSeenAt!: Date;
  @Column('timestamptz', { name: 'last_seen_at' }) lastSeenAt!: Date;
  @Column('timestamptz', { name: 'acknowledged_at', nullable: true }) acknowledgedAt!: Date | null;
  @Column('text', { name: 'acknowledged_by', nullable: true }) acknowledgedBy!: string | null;
  @Column('timestamptz', { name: 'resolved_at', nullable: true }) resolvedAt!: Date | null;
  @Column('text', { name: 'resolved_by', nullable: true }) resolvedBy!: string | null;
  @Column('text', { name: 'workflow_id' }) workflowId!: string;
  @Column('text', { name: 'workflow_run_id', nullable: true }) workflowRunId!: string | null;
  @Column('text', { name: 'trace_id', nullable: true }) traceId!: string | null;
  /** In milliseconds, as the list cursor (migration 1764000000004). */
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
