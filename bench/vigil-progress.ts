import { Client } from 'pg';

export interface Progress {
  /** Outbox rows not yet delivered to Temporal. */
  backlog: number;
  /** Incidents whose workflow has not yet run its first activity (no run id recorded). */
  notPickedUp: number;
  incidents: number;
}

/** Reads how far the stack has got, straight from PostgreSQL (as the schema owner; one connection). */
export class VigilProgress {
  private constructor(private readonly client: Client) {}

  static async connect(ownerUrl: string): Promise<VigilProgress> {
    const client = new Client({ connectionString: ownerUrl });
    await client.connect();
    return new VigilProgress(client);
  }

  async read(): Promise<Progress> {
    const { rows } = await this.client.query<{ backlog: string; not_picked_up: string; incidents: string }>(
      `SELECT (SELECT count(*) FROM workflow_outbox WHERE dispatched_at IS NULL) AS backlog,
              (SELECT count(*) FROM incidents WHERE workflow_run_id IS NULL) AS not_picked_up,
              (SELECT count(*) FROM incidents) AS incidents`,
    );
    return { backlog: Number(rows[0].backlog), notPickedUp: Number(rows[0].not_picked_up), incidents: Number(rows[0].incidents) };
  }

  /** Outbox rows delivered with a note (e.g. the workflow had already closed) or after failed attempts. */
  async deliveryTrouble(): Promise<{ noted: number; retried: number }> {
    const { rows } = await this.client.query<{ noted: string; retried: string }>(
      `SELECT count(*) FILTER (WHERE last_error IS NOT NULL) AS noted, count(*) FILTER (WHERE attempts > 1) AS retried FROM workflow_outbox`,
    );
    return { noted: Number(rows[0].noted), retried: Number(rows[0].retried) };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
