/**
 * W3C trace context as the workflow sandbox handles it: plain strings and numbers, no OpenTelemetry
 * SDK (see interceptors.ts for why). Pure, so that ids drawn from the workflow's seeded random
 * source replay identically.
 */

/** The span that work in the workflow is attributed to. */
export interface SpanRef {
  traceId: string;
  spanId: string;
  traceFlags: number;
  traceState?: string;
}

/** The trace flag that asks for the span to be recorded. */
export const SAMPLED = 0x01;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZEROS = /^0+$/;

/** The span a `traceparent` names, or undefined when it is missing or malformed (as OpenTelemetry's propagator decides). */
export function parseTraceparent(traceparent: unknown, tracestate?: unknown): SpanRef | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest) || ALL_ZEROS.test(traceId) || ALL_ZEROS.test(spanId)) return undefined;
  const traceState = typeof tracestate === 'string' && tracestate.trim() ? tracestate.trim() : undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16), ...(traceState ? { traceState } : {}) };
}

export function formatTraceparent(span: SpanRef): string {
  return `00-${span.traceId}-${span.spanId}-${span.traceFlags.toString(16).padStart(2, '0')}`;
}

/** A child of `parent`, or the root of a new sampled trace. */
export function childSpanRef(parent: SpanRef | undefined, random: () => number): SpanRef {
  return {
    traceId: parent?.traceId ?? randomHexId(16, random),
    spanId: randomHexId(8, random),
    traceFlags: parent ? parent.traceFlags : SAMPLED,
    ...(parent?.traceState ? { traceState: parent.traceState } : {}),
  };
}

/** `bytes` random bytes as lower-case hex, never all zeros (an invalid id). */
export function randomHexId(bytes: number, random: () => number): string {
  let hex = '';
  for (let i = 0; i < bytes; i++) hex += Math.floor(random() * 256).toString(16).padStart(2, '0');
  return ALL_ZEROS.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/** Milliseconds since the epoch as OpenTelemetry's [seconds, nanoseconds]. */
export function hrTime(epochMs: number): [number, number] {
  const seconds = Math.floor(epochMs / 1000);
  return [seconds, Math.round((epochMs - seconds * 1000) * 1e6)];
}

export function hrDuration(start: [number, number], end: [number, number]): [number, number] {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return [seconds, nanos];
}
