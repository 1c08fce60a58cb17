import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { VigilConfig } from '../libs/config';
import { incidentCommandSignal, INCIDENT_WORKFLOW_TYPE, type IncidentWorkflowInput } from '../libs/contracts';
import { incidentStartOptions } from '../libs/temporal';

export interface StartCeilingOptions {
  address: string;
  namespace: string;
  /** A queue no worker polls: the workflows are started, never run. */
  taskQueue: string;
  concurrency: number;
  durationSec: number;
  signal: AbortSignal;
}

export interface StartCeiling {
  durationSec: number;
  started: number;
  failed: number;
  startsPerSec: number;
  latencyMs: { p50: number; p99: number };
  concurrency: number;
  firstError?: string;
}

/** Not registered anywhere: with no worker on the queue only the start path is measured. */
const EMPTY_WORKFLOW_TYPE = 'benchEmptyWorkflow';

/** The ceiling proper: plain `workflow.start` of an empty workflow, no arguments, no search attributes. */
export function measureEmptyStartCeiling(options: StartCeilingOptions): Promise<StartCeiling> {
  return withClient(options, (client) =>
    measureStarts(options, (id) => client.workflow.start(EMPTY_WORKFLOW_TYPE, { taskQueue: options.taskQueue, workflowId: `bench-empty-${id}`, args: [] })),
  );
}

/**
 * The same server taking starts shaped exactly as Vigil's outbox dispatcher sends them
 * (signal-with-start, the incident input, search attributes, summary; libs/temporal builds the
 * options), at the dispatcher's concurrency: how much of the gap is the request, not Vigil's pipeline.
 */
export function measureVigilShapedStartCeiling(options: StartCeilingOptions): Promise<StartCeiling> {
  const config = VigilConfig.fromEnv({ DATABASE_URL: 'postgres://unused@127.0.0.1/unused', TEMPORAL_TASK_QUEUE: options.taskQueue });
  return withClient(options, (client) =>
    measureStarts(options, (id) => {
      const incidentId = randomUUID();
      const input: IncidentWorkflowInput = {
        incidentId,
        fingerprint: incidentId.replace(/-/g, ''),
        title: 'Checkout API p99 latency above 2 s for 5 minutes',
        service: 'checkout-api',
        alertname: `BenchShaped${id}`,
        severity: 'critical',
      };
      return client.workflow.signalWithStart(INCIDENT_WORKFLOW_TYPE, {
        ...incidentStartOptions(input, config),
        signal: incidentCommandSignal,
        signalArgs: [{ seq: id + 1, kind: 'opened', actor: 'bench' }],
      });
    }),
  );
}

async function withClient<T>(options: StartCeilingOptions, run: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: options.address });
  try {
    return await run(new Client({ connection, namespace: options.namespace }));
  } finally {
    await connection.close();
  }
}

/** Keeps `concurrency` starts in flight until `durationSec` has passed. */
async function measureStarts(options: StartCeilingOptions, start: (id: number) => Promise<unknown>): Promise<StartCeiling> {
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const began = performance.now();
  const deadline = began + options.durationSec * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline && !options.signal.aborted) {
      const sent = performance.now();
      try {
        await start(next++);
        latencies.push(performance.now() - sent);
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  options.signal.throwIfAborted();
  const durationSec = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    durationSec,
    started: latencies.length,
    failed,
    startsPerSec: latencies.length / durationSec,
    latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
    concurrency: options.concurrency,
    firstError,
  };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
