import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';

export function spansOfTrace(exporter: InMemorySpanExporter, traceId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
}

export function spanNames(spans: ReadableSpan[]): string[] {
  return spans.map((span) => span.name);
}

/** The trace's spans once it holds one span for each of `prefixes` (workflow spans arrive when a workflow task completes). */
export function traceHolds(exporter: InMemorySpanExporter, traceId: string, prefixes: string[]): ReadableSpan[] | undefined {
  const spans = spansOfTrace(exporter, traceId);
  return prefixes.every((prefix) => spans.some((span) => span.name.startsWith(prefix))) ? spans : undefined;
}
