/**
 * Workflow tracing, loaded into the workflow bundle as an interceptor module: workflow spans join
 * the trace that started them, and activities, child workflows and the next run continue it.
 *
 * The spans, span names and `_tracer-data` header of `@temporalio/interceptors-opentelemetry`,
 * whose client and activity interceptors Vigil uses, exported through its worker sink
 * (`makeWorkflowExporter`). Its workflow interceptors are not used: the sandbox instantiates a
 * bundle's modules afresh for every workflow, and theirs bring the OpenTelemetry SDK and build a
 * tracer provider each time. Measured with 3,000 incidents waiting to be picked up: the worker
 * took about 110 ms of CPU per incident with them, 12 ms with these.
 */
import type { OpenTelemetrySinks, SerializableSpan } from '@temporalio/interceptors-opentelemetry';
import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  defaultPayloadConverter,
  proxySinks,
  workflowInfo,
  type Headers,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import { childSpanRef, formatTraceparent, hrDuration, hrTime, parseTraceparent, SAMPLED, type SpanRef } from './trace-context';

const TRACE_HEADER = '_tracer-data';
const SCOPE = { name: 'vigil-workflow' };
const SPAN_KIND_INTERNAL = 0;
const STATUS = { unset: 0, ok: 1, error: 2 } as const;

const { exporter } = proxySinks<OpenTelemetrySinks>();

/**
 * Each handler runs in a cancellation scope of its own that holds its span; code it starts
 * finds the span through CancellationScope.current(), which follows it across awaits. Not an
 * AsyncLocalStorage of our own: every cached workflow would keep one enabled, and on Node 20
 * each promise the worker creates visits all of them (measured: pick-up fell from 58 to 16
 * incidents/s as the cache filled).
 */
const scopeSpans = new WeakMap<CancellationScope, SpanRef>();

function activeSpan(): SpanRef | undefined {
  for (let scope: CancellationScope | undefined = CancellationScope.current(); scope; scope = scope.parent) {
    const span = scopeSpans.get(scope);
    if (span) return span;
  }
  return undefined;
}

/** Runs `fn` in a child scope of the current one, so that cancellation reaches it as before. */
function runWithSpan<T>(span: SpanRef, fn: () => Promise<T>): Promise<T> {
  const scope = new CancellationScope({ cancellable: true });
  scopeSpans.set(scope, span);
  return scope.run(fn);
}

function spanFromHeaders(headers: Headers): SpanRef | undefined {
  const payload = headers[TRACE_HEADER];
  if (!payload) return undefined;
  try {
    const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: unknown; tracestate?: unknown }>(payload);
    return parseTraceparent(carrier?.traceparent, carrier?.tracestate);
  } catch {
    return undefined; // A header that is not ours must not fail the workflow task: start a new trace.
  }
}

function headersWithSpan(headers: Headers, span: SpanRef | undefined): Headers {
  if (!span) return headers;
  const carrier = { traceparent: formatTraceparent(span), ...(span.traceState ? { tracestate: span.traceState } : {}) };
  return { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) };
}

class WorkflowSpan {
  readonly ref: SpanRef;
  private readonly startTime = hrTime(Date.now());

  constructor(
    private readonly name: string,
    private readonly parent: SpanRef | undefined,
    private readonly attributes: Record<string, string> = {},
  ) {
    this.ref = childSpanRef(parent, Math.random);
  }

  end(error?: unknown, acceptable?: (error: unknown) => boolean): void {
    if (!(this.ref.traceFlags & SAMPLED)) return;
    const endTime = hrTime(Date.now());
    const failed = error !== undefined && !acceptable?.(error);
    const message = error instanceof Error ? error.message : String(error);
    const benign = error instanceof ApplicationFailure && error.category === 'BENIGN';
    const span: SerializableSpan = {
      name: this.name,
      kind: SPAN_KIND_INTERNAL,
      spanContext: this.ref,
      parentSpanId: this.parent?.spanId,
      startTime: this.startTime,
      endTime,
      duration: hrDuration(this.startTime, endTime),
      status: failed ? { code: benign ? STATUS.unset : STATUS.error, message } : { code: STATUS.ok },
      attributes: { ...this.attributes },
      links: [],
      events: failed
        ? [{ name: 'exception', time: endTime, attributes: { 'exception.type': error instanceof Error ? error.name : typeof error, 'exception.message': message } }]
        : [],
      ended: true,
      droppedAttributesCount: 0,
      droppedLinksCount: 0,
      droppedEventsCount: 0,
      instrumentationLibrary: SCOPE,
    };
    exporter.export([span]);
  }
}

/** Runs `fn` as `span`; with `inScope`, code it starts is attributed to the span. */
async function inSpan<T>(span: WorkflowSpan, fn: () => Promise<T>, options: { inScope: boolean; acceptable?: (error: unknown) => boolean }): Promise<T> {
  try {
    const result = await (options.inScope ? runWithSpan(span.ref, fn) : fn());
    span.end();
    return result;
  } catch (error) {
    span.end(error, options.acceptable);
    throw error;
  }
}

/** A span from scheduling an activity until its result, passed on to it in the header. */
function traceActivityStart<I extends { activityType: string; headers: Headers }>(input: I, next: (input: I) => Promise<unknown>): Promise<unknown> {
  const span = new WorkflowSpan(`StartActivity:${input.activityType}`, activeSpan());
  return inSpan(span, () => next({ ...input, headers: headersWithSpan(input.headers, span.ref) }), { inScope: false });
}

/** A caller's span from the headers, else the span the handler runs in. */
const parentOf = (headers: Headers) => spanFromHeaders(headers) ?? activeSpan();

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      execute: (input, next) =>
        inSpan(new WorkflowSpan(`RunWorkflow:${workflowInfo().workflowType}`, spanFromHeaders(input.headers)), () => next(input), { inScope: true, acceptable: (error) => error instanceof ContinueAsNew }),
      handleSignal: (input, next) => inSpan(new WorkflowSpan(`HandleSignal:${input.signalName}`, parentOf(input.headers)), () => next(input), { inScope: true }),
      handleUpdate: (input, next) =>
        inSpan(new WorkflowSpan(`HandleUpdate:${input.name}`, parentOf(input.headers), { temporalUpdateId: input.updateId }), () => next(input), { inScope: true }),
      // Not queries and update validators: neither is in the history, so a span id drawn for them from
      // the workflow's random source would shift every later draw on replay. The client traces them.
    },
  ],
  outbound: [
    {
      scheduleActivity: traceActivityStart,
      scheduleLocalActivity: traceActivityStart,
      // Work started elsewhere carries the current span on, without a span of its own here.
      startChildWorkflowExecution: (input, next) => next({ ...input, headers: headersWithSpan(input.headers, activeSpan()) }),
      signalWorkflow: (input, next) => next({ ...input, headers: headersWithSpan(input.headers, activeSpan()) }),
      continueAsNew: (input, next) => next({ ...input, headers: headersWithSpan(input.headers, activeSpan()) }),
    },
  ],
});
