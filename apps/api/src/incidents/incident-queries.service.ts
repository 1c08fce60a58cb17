import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Client, isGrpcDeadlineError, WorkflowNotFoundError } from '@temporalio/client';
import { Repository } from 'typeorm';
import { VigilConfig } from '../../../../libs/config';
import { incidentStateQuery, type IncidentLiveState } from '../../../../libs/contracts';
import { DomainError, DomainErrorCode, type IncidentStatus, type Severity } from '../../../../libs/domain';
import { AlertEntity, IncidentEntity } from '../../../../libs/persistence';
import { describeErrorChain, isConnectionReady } from '../../../../libs/temporal';
import { toAlertView, type AlertPage } from './alert.view';
import { pageOf, type PageCursor } from './cursor';
import { toIncidentView, type IncidentDetail, type IncidentPage, type WorkflowExecution } from './incident.view';

const QUERY_DEADLINE_MS = 3_000;
/** A channel that is not connected by then, after calls that got no answer, is one to a Temporal that is down. */
const CONNECTED_WITHIN_MS = 500;

export interface Page {
  limit: number;
  cursor?: PageCursor;
}

export interface IncidentFilter extends Page {
  /** Any of these. */
  status?: IncidentStatus[];
  /** Any of these. */
  severity?: Severity[];
  service?: string;
}

export type LiveWorkflow =
  | { available: true; execution: WorkflowExecution; state: IncidentLiveState }
  | { available: false; reason: 'not_started' | 'no_answer' | 'unreachable' };

@Injectable()
export class IncidentQueries {
  private readonly logger = new Logger(IncidentQueries.name);

  constructor(
    @InjectRepository(IncidentEntity) private readonly incidents: Repository<IncidentEntity>,
    @InjectRepository(AlertEntity) private readonly alertRows: Repository<AlertEntity>,
    private readonly client: Client,
    private readonly config: VigilConfig,
  ) {}

  async list(filter: IncidentFilter): Promise<IncidentPage> {
    const query = this.incidents.createQueryBuilder('i').orderBy('i.created_at', 'DESC').addOrderBy('i.id', 'DESC').limit(filter.limit + 1);
    if (filter.status) query.andWhere('i.status IN (:...statuses)', { statuses: filter.status });
    if (filter.severity) query.andWhere('i.severity IN (:...severities)', { severities: filter.severity });
    if (filter.service) query.andWhere('i.service = :service', { service: filter.service });
    if (filter.cursor) {
      query.andWhere('(i.created_at, i.id) < (:at, :id)', filter.cursor);
    }
    const { items, nextCursor } = pageOf(await query.getMany(), filter.limit, (i) => ({ at: i.createdAt.toISOString(), id: i.id }));
    return { items: items.map(toIncidentView), nextCursor };
  }

  /** An incident's alerts, newest first: every occurrence, with its annotations (summary, runbook_url, …). */
  async alerts(incidentId: string, page: Page): Promise<AlertPage> {
    await this.get(incidentId);
    const query = this.alertRows
      .createQueryBuilder('a')
      .where('a.incident_id = :incidentId', { incidentId })
      .orderBy('a.received_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(page.limit + 1);
    if (page.cursor) query.andWhere('(a.received_at, a.id) < (:at, :id)', page.cursor);
    const { items, nextCursor } = pageOf(await query.getMany(), page.limit, (a) => ({ at: a.receivedAt.toISOString(), id: a.id }));
    return { incidentId, items: items.map(toAlertView), nextCursor };
  }

  async get(id: string): Promise<IncidentEntity> {
    const incident = await this.incidents.findOneBy({ id });
    if (!incident) throw new DomainError(DomainErrorCode.IncidentNotFound, `no incident ${id}`, { incidentId: id });
    return incident;
  }

  /** The record from PostgreSQL with the workflow's live state (when Temporal answers) and links. */
  async detail(id: string): Promise<IncidentDetail> {
    const incident = await this.get(id);
    const workflow = await this.liveState(incident.workflowId);
    return {
      ...toIncidentView(incident),
      // Long incidents continue as new under the same workflow id: the id reaches the latest run.
      workflow: { id: incident.workflowId, firstRunId: incident.workflowRunId, ...workflow },
      links: {
        self: `/api/v1/incidents/${incident.id}`,
        alerts: `/api/v1/incidents/${incident.id}/alerts`,
        audit: `/api/v1/incidents/${incident.id}/audit`,
        temporalUi: this.config.temporalUiWorkflowUrl(incident.workflowId),
      },
    };
  }

  /**
   * The workflow's state (a query, answered by a worker) and execution status (a describe, answered
   * by Temporal alone). When they get no answer in time, the connection to Temporal tells why:
   * connected, so Temporal is up and no worker answered (none running, or a backlog); or not, so
   * Temporal is unreachable.
   */
  private async liveState(workflowId: string): Promise<LiveWorkflow> {
    try {
      const handle = this.client.workflow.getHandle(workflowId);
      const [state, description] = await this.client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        Promise.all([handle.query(incidentStateQuery), handle.describe()]),
      );
      return { available: true, execution: description.status.name.toLowerCase() as WorkflowExecution, state };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { available: false, reason: 'not_started' };
      this.logger.warn(`live state of ${workflowId} unavailable: ${describeErrorChain(error)}`);
      const connected = isGrpcDeadlineError(error) && (await isConnectionReady(this.client.connection, CONNECTED_WITHIN_MS));
      return { available: false, reason: connected ? 'no_answer' : 'unreachable' };
    }
  }
}
