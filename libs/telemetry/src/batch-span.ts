import { SpanStatusCode, trace, type SpanContext, type SpanOptions } from '@opentelemetry/api';

const tracer = trace.getTracer('vigil');

/** The active span's context: what a shared batch span links back to. */
export function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * Runs work done once for many requests (a group commit) in its own root span, linked to each
 * request's span, so that its database spans belong to no single request's trace and every
 * request's trace still leads to them.
 */
export function inBatchSpan<T>(name: string, requests: Array<SpanContext | undefined>, attributes: Record<string, number>, fn: () => Promise<T>): Promise<T> {
  const links = requests.filter((r): r is SpanContext => r !== undefined).map((context) => ({ context }));
  return inRootSpan(name, fn, { links, attributes });
}

/** Runs work that no request asked for (a start's own steps) in a trace of its own, so that what it audits carries a trace id too. */
export function inRootSpan<T>(name: string, fn: () => Promise<T>, options: Pick<SpanOptions, 'links' | 'attributes'> = {}): Promise<T> {
  return tracer.startActiveSpan(name, { ...options, root: true }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
