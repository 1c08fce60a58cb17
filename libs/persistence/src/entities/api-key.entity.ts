import { Column, Entity, PrimaryColumn } from 'typeorm';

export const API_KEY_ROLES = ['ingest', 'responder', 'admin', 'auditor'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text') role!: ApiKeyRole;
  @Column('char', { name: 'key_hash', length: 64 }) keyHash!: string;
  @Column('text', { name: 'key_prefix' }) keyPrefix!: string;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
}
