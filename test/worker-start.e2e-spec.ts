import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { randomBytes } from 'node:crypto';
import { SEARCH_ATTRIBUTES_RETRY_MS, TemporalWorkerService } from '../apps/worker/src/temporal-worker.service';
import { WorkerModule } from '../apps/worker/src/worker.module';
import { VigilConfig } from '../libs/config';
import { VIGIL_SEARCH_ATTRIBUTES } from '../libs/contracts';
import { createScratchDatabase, type ScratchDatabase } from './support/test-database';
import { eventually, TestTemporal, testTelemetry } from './support/vigil-harness';

/** Keeps what the worker logs, so the test can read its warnings as an operator reads them. */
class KeptLog implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(String(message));
  }
  error(message: unknown): void {
    this.lines.push(String(message));
  }
  warn(message: unknown): void {
    this.lines.push(String(message));
  }
}

/**
 * A worker started before its namespace exists (a cluster whose namespaces a later step creates)
 * gets past connecting, and is then refused by Temporal when it asks for the namespace. It says so
 * and keeps asking, as it does while Temporal is unreachable, instead of ending. Then it waits in
 * the same way for Vigil's search attributes, naming the command that registers them.
 */
describe('the worker, started before its namespace exists', () => {
  let temporal: TestTemporal;
  let client: Client;
  let database: ScratchDatabase;
  let worker: INestApplicationContext | undefined;

  beforeAll(async () => {
    [temporal, database] = await Promise.all([TestTemporal.start(), createScratchDatabase('vigil_worker_start')]);
    client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  });
  afterAll(async () => {
    await worker?.close();
    await client?.connection.close();
    await temporal?.stop();
    await database?.drop();
  });

  const configFor = (namespace: string) =>
    VigilConfig.fromEnv({
      DATABASE_URL: database.appUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: namespace,
      VIGIL_ADMIN_API_KEY: `test-admin-${randomBytes(16).toString('hex')}`,
    });
  const missingLine = (namespace: string) =>
    `Temporal namespace ${namespace} lacks Vigil's search attributes VigilSeverity, VigilService, VigilStatus, waiting for them: temporal operator search-attribute create --address ${temporal.address} --namespace ${namespace} --name VigilSeverity --type Keyword --name VigilService --type Keyword --name VigilStatus --type Keyword`;

  it('says the namespace is missing, then its search attributes, keeps asking, and polls its task queue once both are there', async () => {
    const namespace = `vigil-later-${randomBytes(4).toString('hex')}`;
    const config = configFor(namespace);
    const log = new KeptLog();
    worker = await NestFactory.createApplicationContext(WorkerModule.register(config, testTelemetry()), { logger: log });
    const service = worker.get(TemporalWorkerService);
    let failed: unknown;
    service.whenStopped().catch((error: unknown) => (failed = error));

    const refusal = new RegExp(`Temporal at ${temporal.address} does not serve namespace ${namespace}, retrying: .*Namespace ${namespace} is not found`);
    await eventually(async () => (log.lines.some((line) => refusal.test(line)) ? true : undefined), 'the worker saying the namespace is missing', 60_000);

    await client.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    // A new namespace has none of Vigil's search attributes, and Temporal would refuse every incident's start.
    const missing = missingLine(namespace);
    await eventually(async () => (log.lines.includes(missing) ? true : undefined), 'the worker naming the missing search attributes', 60_000);
    expect(log.lines.some((line) => line.startsWith('polling task queue'))).toBe(false);

    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(VIGIL_SEARCH_ATTRIBUTES.map((a) => [a.name, proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
    await service.whenPolling();
    const pollers = await eventually(async () => {
      const queue = await client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: config.temporal.taskQueue },
        taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return queue.pollers.length > 0 ? queue.pollers : undefined;
    }, 'a poller on the task queue in the new namespace', 60_000);
    expect(pollers.length).toBeGreaterThan(0);
    expect(failed).toBeUndefined();
  });

  it('stops at once while it waits for the search attributes, not after its wait between asks', async () => {
    const namespace = `vigil-stop-${randomBytes(4).toString('hex')}`;
    await client.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    const log = new KeptLog();
    const waiting = await NestFactory.createApplicationContext(WorkerModule.register(configFor(namespace), testTelemetry()), { logger: log });
    let closing = 0;
    try {
      await eventually(async () => (log.lines.includes(missingLine(namespace)) ? true : undefined), 'the worker waiting for the search attributes', 60_000);
    } finally {
      closing = Date.now();
      await waiting.close();
    }
    // Measured 8 ms; before, it waited out the rest of the 5 s between asks, as Ctrl-C did.
    expect(Date.now() - closing).toBeLessThan(SEARCH_ATTRIBUTES_RETRY_MS / 2);
    await expect(waiting.get(TemporalWorkerService).whenStopped()).resolves.toBeUndefined();
  });
});
