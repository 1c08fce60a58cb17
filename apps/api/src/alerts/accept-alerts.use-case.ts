import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { alertChainId, AuditLog, incidentChainId } from '../../../../libs/audit';
import { VigilConfig } from '../../../../libs/config';
import { incidentWorkflowId, incidentWorkflowInput } from '../../../../libs/contracts';
import { incidentTitle, type CanonicalAlert } from '../../../../libs/domain';
import { incidentIntakeStore as store, isDatabaseUnavailable, type AlertOutcome, type AlertRow, type IncidentSnapshot, type OutboxPayload } from '../../../../libs/persistence';
import { activeTraceIds, captureTraceCarrier } from '../../../../libs/telemetry';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service';
import type { OutboxCommand } from '../outbox/outbox.store';
import { IntakeMetrics } from '../metrics/intake.metrics';
import { alertFingerprint } from './fingerprint';

export interface AcceptAlertsCommand {
  alerts: CanonicalAlert[];
  idempotencyKey?: string;
  source: string;
  actor: string;
}

export interface AcceptedAlert {
  alertId: string;
  fingerprint: string;
  outcome: AlertOutcome;
  deduplicated: boolean;
  /** True when this answer repeats an earlier one for the same Idempotency-Key. */
  replayed: boolean;
  incidentId: string | null;
  incidentStatus: string | null;
  occurrenceCount: number | null;
  workflowId: string | null;
  temporalUiUrl: string | null;
  traceId: string | null;
}

/** How long a freshly committed command stays reserved for this process's immediate dispatch. */
const IMMEDIATE_DISPATCH_LEASE_MS = 15_000;

/**
 * Durable accept: in one PostgreSQL transaction, store each alert, open or update its incident,
 * append the audit event and queue the workflow command; only after the commit does the caller
 * answer 202. The queued commands are then dispatched to Temporal.
 */
@Injectable()
export class AcceptAlerts {
  constructor(
    private readonly dataSource: DataSource,
    private readonly auditLog: AuditLog,
    private readonly dispatcher: OutboxDispatcher,
    private readonly config: VigilConfig,
    private readonly metrics: IntakeMetrics,
  ) {}

  async execute(command: AcceptAlertsCommand): Promise<AcceptedAlert[]> {
    const queued: OutboxCommand[] = [];
    const accepted = await this.dataSource.transaction((m) => this.acceptAll(m, command, queued)).catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) this.metrics.alertsRefused('unavailable', command.alerts.length);
      throw error;
    });
    this.dispatcher.dispatchSoon(queued);
    for (const alert of accepted) this.metrics.alertAccepted(alert.outcome, alert.replayed);
    return accepted;
  }

  private async acceptAll(m: EntityManager, command: AcceptAlertsCommand, queued: OutboxCommand[]): Promise<AcceptedAlert[]> {
    const results: AcceptedAlert[] = [];
    for (const [index, alert] of command.alerts.entries()) {
      const key = command.idempotencyKey && (command.alerts.length === 1 ? command.idempotencyKey : `${command.idempotencyKey}#${index}`);
      results.push(await this.acceptOne(m, alert, key, command, queued));
    }
    return results;
  }

  private async acceptOne(
    m: EntityManager,
    alert: CanonicalAlert,
    idempotencyKey: string | undefined,
    command: AcceptAlertsCommand,
    queued: OutboxCommand[],
  ): Promise<AcceptedAlert> {
    const { traceId, spanId } = activeTraceIds();
    const row: AlertRow = {
      id: randomUUID(),
      fingerprint: alertFingerprint(alert.labels, alert.dedupKey),
      idempotencyKey: idempotencyKey ?? null,
      status: alert.status,
      severity: alert.labels.severity,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: alert.startsAt ?? null,
      endsAt: alert.endsAt ?? null,
      source: command.source,
      actor: command.actor,
      traceId,
    };
    if (idempotencyKey && !(await store.claimIdempotencyKey(m, row))) {
      const earlier = await store.findByIdempotencyKey(m, idempotencyKey);
      if (!earlier) throw new Error(`idempotency key ${idempotencyKey} conflicted but no alert holds it`);
      return this.answer({ ...row, id: earlier.alertId }, earlier.outcome, earlier.incident, true, traceId);
    }

    const { outcome, incident, commands } = await this.applyToIncident(m, alert, row, command.actor, traceId);
    if (idempotencyKey) await store.attachAlert(m, row.id, incident?.id ?? null, outcome);
    else await store.insertAlert(m, row, incident?.id ?? null, outcome);

    await this.auditLog.append(
      {
        chainId: incident ? incidentChainId(incident.id) : alertChainId(row.fingerprint),
        type: 'alert.received',
        actor: command.actor,
        incidentId: incident?.id,
        traceId: traceId ?? undefined,
        spanId: spanId ?? undefined,
        workflowId: incident?.workflowId,
        data: { alertId: row.id, fingerprint: row.fingerprint, status: row.status, severity: row.severity, outcome, source: command.source },
      },
      m,
    );
    if (incident) {
      const carrier = captureTraceCarrier();
      for (const payloadCommand of commands) {
        const payload: OutboxPayload = { input: incidentWorkflowInput(incident), command: payloadCommand };
        const id = await store.enqueueCommand(m, {
          incidentId: incident.id,
          workflowId: incident.workflowId,
          payload,
          ...carrier,
          leaseMs: IMMEDIATE_DISPATCH_LEASE_MS,
        });
        queued.push({ id, workflowId: incident.workflowId, payload, ...carrier, attempts: 0 });
      }
    }
    return this.answer(row, outcome, incident, false, traceId);
  }

  /** The incident change an alert makes, and the workflow commands it implies (duplicates imply none). */
  private async applyToIncident(m: EntityManager, alert: CanonicalAlert, row: AlertRow, actor: string, traceId: string | null) {
    if (alert.status === 'resolved') {
      const incident = await store.resolveOpenIncident(m, row.fingerprint, actor);
      if (!incident) return { outcome: 'no_open_incident' as const, incident: null, commands: [] };
      return { outcome: 'resolved' as const, incident, commands: [{ kind: 'resolve' as const, actor, reason: 'resolved alert received' }] };
    }
    const id = randomUUID();
    const { incident, created } = await store.upsertFiringIncident(m, {
      id,
      fingerprint: row.fingerprint,
      severity: alert.labels.severity,
      service: alert.labels.service,
      alertname: alert.labels.alertname,
      title: incidentTitle(alert),
      labels: alert.labels,
      workflowId: incidentWorkflowId(id),
      traceId,
    });
    if (created) return { outcome: 'created' as const, incident, commands: [{ kind: 'opened' as const, actor }] };
    if (incident.severity !== alert.labels.severity) {
      await store.changeSeverity(m, incident.id, alert.labels.severity);
      return {
        outcome: 'deduplicated' as const,
        incident: { ...incident, severity: alert.labels.severity },
        commands: [{ kind: 'severity' as const, actor, severity: alert.labels.severity }],
      };
    }
    return { outcome: 'deduplicated' as const, incident, commands: [] };
  }

  private answer(row: AlertRow, outcome: AlertOutcome, incident: IncidentSnapshot | null, replayed: boolean, traceId: string | null): AcceptedAlert {
    return {
      alertId: row.id,
      fingerprint: row.fingerprint,
      outcome,
      deduplicated: replayed || outcome === 'deduplicated',
      replayed,
      incidentId: incident?.id ?? null,
      incidentStatus: incident?.status ?? null,
      occurrenceCount: incident?.occurrenceCount ?? null,
      workflowId: incident?.workflowId ?? null,
      temporalUiUrl: incident ? this.config.temporalUiWorkflowUrl(incident.workflowId) : null,
      traceId,
    };
  }
}
