import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP endpoint (e.g. http://collector:4318); spans are still created, with ids, when absent. */
  exporterEndpoint?: string;
  /** Tests pass an in-memory exporter; spans go to it synchronously. */
  spanExporter?: SpanExporter;
  /**
   * Node's http instrumentation (server and client spans; default on). The API turns it off:
   * its server spans come from a Fastify hook (apps/api/src/http/request-spans.ts), and the
   * generic instrumentation cost a fifth of intake's throughput.
   */
  instrumentHttp?: boolean;
}

export interface Telemetry {
  resource: Resource;
  /** The processor the SDK exports through; the worker hands it to Temporal's workflow span sink too. */
  spanProcessor: SpanProcessor;
  shutdown(): Promise<void>;
}

/** A processor that drops everything: spans still get trace ids for logs, responses and audit rows. */
const noExport: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

function chooseProcessor(options: TelemetryOptions): SpanProcessor {
  if (options.spanExporter) return new SimpleSpanProcessor(options.spanExporter);
  if (options.exporterEndpoint) {
    const url = `${options.exporterEndpoint.replace(/\/$/, '')}/v1/traces`;
    return new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  }
  return noExport;
}

/** Starts the OpenTelemetry SDK. Call it before anything else is imported (see each app's instrument.ts). */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const resource = new Resource({ [ATTR_SERVICE_NAME]: options.serviceName });
  const spanProcessor = chooseProcessor(options);
  const exporting = Boolean(options.spanExporter || options.exporterEndpoint);
  const sdk = new NodeSDK({
    resource,
    // With nowhere to export, spans are not recorded (the bench showed a quarter of intake's CPU
    // going to them) but still get ids, so responses, logs and audit rows carry trace ids.
    sampler: exporting ? new ParentBasedSampler({ root: new AlwaysOnSampler() }) : new AlwaysOffSampler(),
    spanProcessors: [spanProcessor],
    instrumentations: [
      ...(options.instrumentHttp === false ? [] : [new HttpInstrumentation()]),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return { resource, spanProcessor, shutdown: () => sdk.shutdown() };
}
