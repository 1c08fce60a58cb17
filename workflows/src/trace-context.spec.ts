import { childSpanRef, formatTraceparent, hrDuration, hrTime, parseTraceparent, randomHexId, SAMPLED } from './trace-context';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('workflow trace context', () => {
  it('reads a traceparent and its tracestate, and writes it back unchanged', () => {
    const span = parseTraceparent(`00-${TRACE}-${SPAN}-01`, 'vendor=a');
    expect(span).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: SAMPLED, traceState: 'vendor=a' });
    expect(formatTraceparent(span!)).toBe(`00-${TRACE}-${SPAN}-01`);
  });

  it.each([
    ['missing', undefined],
    ['not a string', 42],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['upper case', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['extra fields on version 00', `00-${TRACE}-${SPAN}-01-extra`],
    ['short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
  ])('ignores a traceparent that is %s', (_case, traceparent) => {
    expect(parseTraceparent(traceparent)).toBeUndefined();
  });

  it('keeps the trace, flags and state of the parent for a child, with a new span id', () => {
    const parent = { traceId: TRACE, spanId: SPAN, traceFlags: 0, traceState: 'vendor=a' };
    const child = childSpanRef(parent, Math.random);
    expect(child).toEqual({ traceId: TRACE, spanId: expect.stringMatching(/^[0-9a-f]{16}$/), traceFlags: 0, traceState: 'vendor=a' });
    expect(child.spanId).not.toBe(SPAN);
  });

  it('starts a new sampled trace without a parent', () => {
    const root = childSpanRef(undefined, Math.random);
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.traceFlags).toBe(SAMPLED);
  });

  it('draws ids from the given random source only, so a replay draws the same ones', () => {
    const seeded = () => {
      let state = 7;
      return () => (state = (state * 16807) % 2147483647) / 2147483647;
    };
    expect(randomHexId(8, seeded())).toBe(randomHexId(8, seeded()));
    expect(randomHexId(8, () => 0)).toBe('0000000000000001');
  });

  it('converts epoch milliseconds to [seconds, nanoseconds] and subtracts them', () => {
    expect(hrTime(1_700_000_000_250)).toEqual([1_700_000_000, 250_000_000]);
    expect(hrDuration([10, 900_000_000], [12, 100_000_000])).toEqual([1, 200_000_000]);
  });
});
