import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { DataSource } from 'typeorm';
import { AuditLog } from '../../../libs/audit';
import { VigilConfig } from '../../../libs/config';
import { temporalConnectionOptions } from '../../../libs/temporal';
import { WorkerTelemetry } from './telemetry.token';
import { createIncidentActivities } from './activities/incident.activities';
import { AuditActivityInterceptor } from './audit-activity.interceptor';
import {
  prebuiltBundleExists,
  WORKFLOW_BUNDLE_PATH,
  WORKFLOW_INTERCEPTOR_MODULES,
  WORKFLOWS_PATH,
  workflowWebpackConfig,
} from './workflow-source';

const CONNECT_RETRY_MS = 1000;

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
  private stopping = false;
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
    this.stopping = true;
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
    if (this.stopping) {
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
    while (!this.stopping) {
      let namespaceServed = false;
      try {
        this.connection ??= await NativeConnection.connect(temporalConnectionOptions(this.config));
        // Asked first because Worker.create, which asks too, leaves its workflow threads running when it fails (SDK 1.24).
        await this.connection.workflowService.describeNamespace({ namespace });
        namespaceServed = true;
        return await Worker.create(this.workerOptions(this.connection));
      } catch (error) {
        // Past the namespace check, only Temporal failing again is worth another try; bad workflow code is not.
        if (namespaceServed && !isTransportError(error)) throw error;
        const problem = !this.connection ? 'unreachable' : namespaceServed ? `did not take a worker for namespace ${namespace}` : `does not serve namespace ${namespace}`;
        this.logger.warn(`Temporal at ${address} ${problem}, retrying: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
      }
    }
    return undefined;
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
