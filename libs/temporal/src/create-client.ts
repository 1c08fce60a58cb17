import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { VigilConfig } from '../../config';
import { temporalConnectionOptions } from './connection-options';

/**
 * A Temporal client whose connection is opened on first use, so the API starts (and takes alerts
 * into the outbox) while Temporal is unreachable. Workflow calls carry the active trace context.
 */
export function createTemporalClient(config: VigilConfig): Client {
  const connection = Connection.lazy(temporalConnectionOptions(config));
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
  });
}
