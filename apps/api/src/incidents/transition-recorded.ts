import type { DataSource } from 'typeorm';
import { incidentChainId } from '../../../../libs/audit';
import type { IncidentLiveState } from '../../../../libs/contracts';
import type { IncidentStatus, Severity } from '../../../../libs/domain';

export interface TransitionAsked {
  incidentId: string;
  /** The run that took the change. */
  runId: string;
  to: 'acknowledged' | 'resolved';
  actor: string;
}

/** The record once no recording of it is under way, and the asked-for change if that run recorded it. */
export interface RecordAfterRun {
  status: IncidentStatus;
  severity: Severity;
  /** The run's state change, as recorded (row and `incident.status_changed` event, in one transaction); null if it was not. */
  recorded: { from: IncidentStatus | null; at: string } | null;
}

/**
 * Whether a run recorded the change it took, read once a recording under way has finished: the
 * recordTransition activity locks the incident's row first thing in its transaction, and this waits
 * for that lock. (An attempt that has not reached that point yet may still record it after: the
 * answer built on this says so.) Null when the incident is gone.
 */
export function recordAfterRun(dataSource: DataSource, asked: TransitionAsked): Promise<RecordAfterRun | null> {
  return dataSource.transaction(async (manager) => {
    const [row] = (await manager.query(`SELECT status, severity FROM incidents WHERE id = $1 FOR SHARE`, [asked.incidentId])) as Array<{ status: IncidentStatus; severity: Severity }>;
    if (!row) return null;
    const [change] = (await manager.query(
      `SELECT e.data->>'from' AS "from", to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
         FROM audit_events e
        WHERE e.chain_id = $1 AND e.type = 'incident.status_changed' AND e.run_id = $2 AND e.actor = $3 AND e.data->>'to' = $4
        ORDER BY e.seq LIMIT 1`,
      [incidentChainId(asked.incidentId), asked.runId, asked.actor, asked.to],
    )) as Array<{ from: IncidentStatus | null; at: string }>;
    return { status: row.status, severity: row.severity, recorded: change ?? null };
  });
}

/**
 * The answer to a change its run recorded before it closed: the run's last state when a worker
 * could say (it holds the change), else the change alone with the record's severity.
 */
export function stateAfterRecorded(last: IncidentLiveState | null, incidentId: string, asked: TransitionAsked, record: RecordAfterRun & { recorded: NonNullable<RecordAfterRun['recorded']> }): IncidentLiveState {
  if (last?.transitions.some((t) => t.to === asked.to && t.actor === asked.actor)) return last;
  const before = last ?? { incidentId, lastCommandSeq: 0, transitions: [] };
  const transition = { from: record.recorded.from, to: asked.to, actor: asked.actor, at: record.recorded.at };
  return { ...before, status: asked.to, severity: record.severity, transitions: [...before.transitions, transition] };
}
