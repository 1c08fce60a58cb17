import { context, propagation, trace, type Context } from '@opentelemetry/api';

export interface TraceIds {
  traceId: string | null;
  spanId: string | null;
}

export function activeTraceIds(): TraceIds {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return { traceId: null, spanId: null };
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/** The active trace and span id as optional fields, to spread into an audit event. */
export function activeTraceFields(): { traceId?: string; spanId?: string } {
  const { traceId, spanId } = activeTraceIds();
  return traceId && spanId ? { traceId, spanId } : {};
}

export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The W3C trace context of the active span, to store beside work that continues later (the outbox). */
export function captureTraceCarrier(): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Runs `fn` as a continuation of a stored trace context. */
export function withTraceCarrier<T>(carrier: TraceCarrier, fn: () => T): T {
  const restored: Context = propagation.extract(context.active(), carrier);
  return context.with(restored, fn);
}
