import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { Repository } from 'typeorm';
import { VigilConfig } from '../../../../libs/config';
import { incidentStateQuery, type IncidentLiveState } from '../../../../libs/contracts';
import { DomainError, DomainErrorCode, type IncidentStatus, type Severity } from '../../../../libs/domain';
import { IncidentEntity } from '../../../../libs/persistence';
import { encodeCursor, type IncidentCursor } from './cursor';
import { toIncidentView, type IncidentView } from './incident.view';

const QUERY_DEADLINE_MS = 3_000;

export interface IncidentFilter {
  status?: IncidentStatus;
  severity?: Severity;
  service?: string;
  limit: number;
  cursor?: IncidentCursor;
}

export type LiveWorkflow =
  | { available: true; state: IncidentLiveState }
  | { available: false; reason: 'not_started' | 'unreachable' };

@Injectable()
export class IncidentQueries {
  private readonly logger = new Logger(IncidentQueries.name);

  constructor(
    @InjectRepository(IncidentEntity) private readonly incidents: Repository<IncidentEntity>,
    private readonly client: Client,
    private readonly config: VigilConfig,
  ) {}

  async list(filter: IncidentFilter): Promise<{ items: IncidentView[]; nextCursor: string | null }> {
    const query = this.incidents.createQueryBuilder('i').orderBy('i.created_at', 'DESC').addOrderBy('i.id', 'DESC').limit(filter.limit + 1);
    if (filter.status) query.andWhere('i.status = :status', { status: filter.status });
    if (filter.severity) query.andWhere('i.severity = :severity', { severity: filter.severity });
    if (filter.service) query.andWhere('i.service = :service', { service: filter.service });
    if (filter.cursor) {
      query.andWhere('(i.created_at, i.id) < (:createdAt, :id)', { createdAt: filter.cursor.createdAt, id: filter.cursor.id });
    }
    const rows = await query.getMany();
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > filter.limit && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null;
    return { items: page.map(toIncidentView), nextCursor };
  }

  async get(id: string): Promise<IncidentEntity> {
    const incident = await this.incidents.findOneBy({ id });
    if (!incident) throw new DomainError(DomainErrorCode.IncidentNotFound, `no incident ${id}`, { incidentId: id });
    return incident;
  }

  /** The record from PostgreSQL with the workflow's live state (when Temporal answers) and links. */
  async detail(id: string) {
    const incident = await this.get(id);
    const workflow = await this.liveState(incident.workflowId);
    return {
      ...toIncidentView(incident),
      // Long incidents continue as new under the same workflow id: the id reaches the latest run.
      workflow: { id: incident.workflowId, firstRunId: incident.workflowRunId, ...workflow },
      links: {
        self: `/api/v1/incidents/${incident.id}`,
        audit: `/api/v1/incidents/${incident.id}/audit`,
        temporalUi: this.config.temporalUiWorkflowUrl(incident.workflowId),
      },
    };
  }

  private async liveState(workflowId: string): Promise<LiveWorkflow> {
    try {
      const state = await this.client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        this.client.workflow.getHandle(workflowId).query(incidentStateQuery),
      );
      return { available: true, state };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { available: false, reason: 'not_started' };
      this.logger.warn(`live state of ${workflowId} unavailable: ${String(error)}`);
      return { available: false, reason: 'unreachable' };
    }
  }
}
