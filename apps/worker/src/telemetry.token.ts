import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Telemetry } from '../../../libs/telemetry';

/** Injection token for the started OpenTelemetry SDK: the worker exports workflow spans through it. */
export abstract class WorkerTelemetry implements Telemetry {
  abstract resource: Resource;
  abstract spanProcessor: SpanProcessor;
  abstract shutdown(): Promise<void>;
}
