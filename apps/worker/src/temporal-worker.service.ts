import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AuditLog } from '../../../libs/audit';
import { VigilConfig } from '../../../libs/config';
import { VIGIL_SEARCH_ATTRIBUTES } from '../../../libs/contracts';
import { describeErrorChain, isTemporalRefusal, temporalConnectionOptions } from '../../../libs/temporal';
import { WorkerTelemetry } from './telemetry.token';
import { createIncidentActivities } from './activities/incident.activities';
import { AuditActivityInterceptor } from './audit-activity.interceptor';
import { searchAttributeCreateCommand } from './search-attribute-command';
import {
  prebuiltBundleExists,
  WORKFLOW_BUNDLE_PATH,
  WORKFLOW_INTERCEPTOR_MODULES,
  WORKFLOWS_PATH,
  workflowWebpackConfig,
} from './workflow-source';

const CONNECT_RETRY_MS = 1000;
export const SEARCH_ATTRIBUTES_RETRY_MS = 5000;

/**
 * Owns the Temporal worker: connects (waiting for Temporal if it is not up yet), keeps the
 * `run()` promise, and on shutdown drains the worker and awaits it before the process exits.
 *
 * Connecting happens after bootstrap, not within it: the app's logger is installed once bootstrap
 * returns, and until then a worker waiting for an unreachable Temporal would say nothing at all.
 */
@Injectable()
export class TemporalWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TemporalWorkerService.name);
  private connection?: NativeConnection;
  private worker?: Worker;
  private running?: Promise<void>;
  /** Aborted on shutdown: ends the waits for Temporal at once. */
  private readonly stop = new AbortController();
  private markPolling!: () => void;
  private readonly polling = new Promise<void>((resolve) => (this.markPolling = resolve));

  constructor(
    private readonly config: VigilConfig,
    private readonly dataSource: DataSource,
    private readonly auditLog: AuditLog,
    private readonly telemetry: WorkerTelemetry,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.connectAndRun().catch((error: unknown) => {
      this.logger.error(`worker stopped with an error: ${String(error)}`);
      throw error;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    if (this.worker && this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.running?.catch(() => undefined);
    await this.connection?.close();
  }

  /** Resolves when the worker has stopped (or was stopped before it connected); rejects if it failed. */
  whenStopped(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Resolves once the worker polls its task queue (or has stopped without); rejects if it failed first. */
  whenPolling(): Promise<void> {
    return Promise.race([this.polling, this.whenStopped()]);
  }

  private async connectAndRun(): Promise<void> {
    this.worker = await this.createWorker();
    if (!this.worker) return;
    const run = this.worker.run();
    if (this.stop.signal.aborted) {
      // Stopped while it was being created: a worker that never ran would keep its connection from closing.
      this.worker.shutdown();
    } else {
      this.markPolling();
      this.logger.log(`polling task queue ${this.config.temporal.taskQueue} on ${this.config.temporal.address}`);
    }
    await run;
  }

  /**
   * The worker, once Temporal answers and serves the namespace; undefined when the app began to stop
   * first. A namespace not created yet, or an outage right after connecting, is waited out like an
   * unreachable Temporal, not the end of the worker.
   */
  private async createWorker(): Promise<Worker | undefined> {
    const { address, namespace } = this.config.temporal;
    while (!this.stop.signal.aborted) {
      let namespaceServed = false;
      try {
        this.connection ??= await NativeConnection.connect(temporalConnectionOptions(this.config));
        // Asked first because Worker.create, which asks too, leaves its workflow threads running when it fails (SDK 1.24).
        await this.connection.workflowService.describeNamespace({ namespace });
        const missing = await this.missingSearchAttributes(this.connection);
        if (missing.length) {
          // Every workflow start would be refused (INVALID_ARGUMENT): the operator has a step left to do.
          this.logger.warn(
            `Temporal namespace ${namespace} lacks Vigil's search attributes ${missing.map((a) => a.name).join(', ')}, waiting for them: ${searchAttributeCreateCommand(this.config.temporal, missing)}`,
          );
          await this.wait(SEARCH_ATTRIBUTES_RETRY_MS);
          continue;
        }
        namespaceServed = true;
        return await Worker.create(this.workerOptions(this.connection));
      } catch (error) {
        // Past the namespace check, only Temporal failing again is worth another try; bad workflow code is not.
        if (namespaceServed && !isTransportError(error)) throw error;
        const problem = !this.connection ? 'unreachable' : namespaceServed ? `did not take a worker for namespace ${namespace}` : `does not serve namespace ${namespace}`;
        this.logger.warn(`Temporal at ${address} ${problem}, retrying: ${String(error)}`);
        await this.wait(CONNECT_RETRY_MS);
      }
    }
    return undefined;
  }

  /** Resolves after `ms`, or at once when the app stops. */
  private wait(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.stop.signal }).catch(() => undefined);
  }

  /**
   * Vigil's search attributes the namespace does not have. None when it may not be asked (a key
   * without the right, say): the outbox then logs each start Temporal refuses, with the reason.
   */
  private async missingSearchAttributes(connection: NativeConnection): Promise<ReadonlyArray<(typeof VIGIL_SEARCH_ATTRIBUTES)[number]>> {
    const { namespace } = this.config.temporal;
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      return VIGIL_SEARCH_ATTRIBUTES.filter((attribute) => !customAttributes?.[attribute.name]);
    } catch (error) {
      if (!isTemporalRefusal(error)) throw error;
      this.logger.warn(`could not check the search attributes of Temporal namespace ${namespace}: ${describeErrorChain(error)}`);
      return [];
    }
  }

  private workerOptions(connection: NativeConnection): WorkerOptions {
    const workflows = prebuiltBundleExists()
      ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { webpackConfigHook: workflowWebpackConfig } };
    return {
      connection,
      namespace: this.config.temporal.namespace,
      taskQueue: this.config.temporal.taskQueue,
      ...workflows,
      activities: createIncidentActivities({ dataSource: this.dataSource, auditLog: this.auditLog }),
      interceptors: {
        workflowModules: 'workflowBundle' in workflows ? undefined : WORKFLOW_INTERCEPTOR_MODULES,
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
          (ctx) => ({ inbound: new AuditActivityInterceptor(ctx, this.auditLog) }),
        ],
      },
      sinks: { exporter: makeWorkflowExporter(this.telemetry.spanProcessor, this.telemetry.resource) },
    };
  }
}

/** Temporal's core raises this when the server did not answer, or answered a call with an error (an unknown namespace, say). */
function isTransportError(error: unknown): boolean {
  return error instanceof Error && error.name === 'TransportError';
}
