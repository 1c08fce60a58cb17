import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AlertStatus, Severity } from '../../../domain';

/** What intake did with an alert. */
export const ALERT_OUTCOMES = ['created', 'deduplicated', 'resolved', 'no_open_incident'] as const;
export type AlertOutcome = (typeof ALERT_OUTCOMES)[number];

@Entity({ name: 'alerts' })
export class AlertEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'incident_id', nullable: true }) incidentId!: string | null;
  @Column('text') fingerprint!: string;
  @Column('text', { name: 'idempotency_key', nullable: true }) idempotencyKey!: string | null;
  @Column('text') status!: AlertStatus;
  @Column('text') severity!: Severity;
  @Column('jsonb') labels!: Record<string, string>;
  @Column('jsonb') annotations!: Record<string, string>;
  @Column('timestamptz', { name: 'starts_at', nullable: true }) startsAt!: Date | null;
  @Column('timestamptz', { name: 'ends_at', nullable: true }) endsAt!: Date | null;
  @Column('text') source!: string;
  @Column('text') outcome!: AlertOutcome;
  @Column('text') actor!: string;
  @Column('text', { name: 'trace_id', nullable: true }) traceId!: string | null;
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
}
