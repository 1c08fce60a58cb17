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
 */
@Injectable()
export class TemporalWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TemporalWorkerService.name);
  private connection?: NativeConnection;
  private worker?: Worker;
  private running?: Promise<void>;

  constructor(
    private readonly config: VigilConfig,
    private readonly dataSource: DataSource,
    private readonly auditLog: AuditLog,
    private readonly telemetry: WorkerTelemetry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.connection = await this.connect();
    this.worker = await Worker.create(this.workerOptions(this.connection));
    this.running = this.worker.run().catch((error: unknown) => {
      this.logger.error(`worker stopped with an error: ${String(error)}`);
      throw error;
    });
    this.logger.log(`polling task queue ${this.config.temporal.taskQueue} on ${this.config.temporal.address}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.worker && this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.running?.catch(() => undefined);
    await this.connection?.close();
  }

  /** Resolves when the worker has stopped; rejects if it failed. */
  whenStopped(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async connect(): Promise<NativeConnection> {
    for (;;) {
      try {
        return await NativeConnection.connect(temporalConnectionOptions(this.config));
      } catch (error) {
        // No stop can interrupt this: until bootstrap is done, a signal ends the process at once (temporal-runtime.ts).
        this.logger.warn(`Temporal at ${this.config.temporal.address} unreachable, retrying: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
      }
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
