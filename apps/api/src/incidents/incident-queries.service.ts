import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { Repository } from 'typeorm';
import { VigilConfig } from '../../../../libs/config';
import { incidentStateQuery } from '../../../../libs/contracts';
import { DomainError, DomainErrorCode, type IncidentStatus, type Severity } from '../../../../libs/domain';
import { AlertEntity, IncidentEntity } from '../../../../libs/persistence';
import { describeErrorChain } from '../../../../libs/temporal';
import { toAlertView, type AlertPage } from './alert.view';
import { pageOf, type PageCursor } from './cursor';
import { toIncidentView, type IncidentDetail, type IncidentPage } from './incident.view';
import { OutboxStore } from '../outbox/outbox.store';
import { liveWorkflowFrom, unknownToTemporal, type LiveWorkflow } from './live-workflow';

const QUERY_DEADLINE_MS = 3_000;
/**
 * Longer than the query's: Temporal alone answers a describe, so one still unanswered then means
 * Temporal itself does not answer (down, or hung with its connections open), not a worker. The
 * margin is for a Temporal slowed by load, which can take past the query's deadline.
 */
const DESCRIBE_DEADLINE_MS = 5_000;

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

@Injectable()
export class IncidentQueries {
  private readonly logger = new Logger(IncidentQueries.name);

  constructor(
    @InjectRepository(IncidentEntity) private readonly incidents: Repository<IncidentEntity>,
    @InjectRepository(AlertEntity) private readonly alertRows: Repository<AlertEntity>,
    private readonly client: Client,
    private readonly config: VigilConfig,
    private readonly outbox: OutboxStore,
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
    const workflow = await this.liveState(incident);
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

  /** The workflow's live state; see liveWorkflowFrom for why there may be none. */
  private async liveState(incident: IncidentEntity): Promise<LiveWorkflow> {
    const { workflowId } = incident;
    const handle = this.client.workflow.getHandle(workflowId);
    const asked = Date.now();
    const [state, description] = await Promise.allSettled([
      this.client.connection.withDeadline(asked + QUERY_DEADLINE_MS, () => handle.query(incidentStateQuery)),
      this.client.connection.withDeadline(asked + DESCRIBE_DEADLINE_MS, () => handle.describe()),
    ]);
    const started = unknownToTemporal(description) && (await this.wasStarted(incident));
    const { live, failure } = liveWorkflowFrom(state, description, started);
    if (failure !== undefined) this.logger.warn(`live state of ${workflowId} unavailable: ${describeErrorChain(failure)}`);
    return live;
  }

  /**
   * Whether the record says the workflow was started: a run recorded a transition (and named itself
   * on the record), or none of the incident's commands is still in the outbox. Every incident queues
   * a first command when it opens, and a command delivered or dropped as its workflow closed means the
   * workflow was there; delivered rows are pruned, undelivered ones never.
   */
  private async wasStarted(incident: IncidentEntity): Promise<boolean> {
    return incident.workflowRunId !== null || !(await this.outbox.hasUndelivered(incident.workflowId));
  }
}
