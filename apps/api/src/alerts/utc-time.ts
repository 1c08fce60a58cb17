const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/;

/**
 * An RFC 3339 time (already checked as one) as the UTC instant PostgreSQL stores, or undefined
 * when that instant is outside the years 0001–9999.
 *
 * Why not the text as sent: PostgreSQL refuses offsets beyond ±15:59, which RFC 3339 allows, and
 * rounds to microseconds, which can carry 9999-12-31T23:59:59.9999999Z into the year 10000. So the
 * offset is applied here and the fraction cut (not rounded) to microseconds.
 */
export function utcTime(text: string): string | undefined {
  const parts = RFC3339.exec(text.toUpperCase());
  if (!parts) return undefined;
  const [, wholeSeconds, fraction = '', offset] = parts;
  const instant = new Date(`${wholeSeconds}${offset}`);
  const year = instant.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999) return undefined;
  const micros = fraction.slice(0, 6);
  return `${instant.toISOString().slice(0, 19)}${micros ? `.${micros}` : ''}Z`;
}

/** Whether UTC instant `a` (as utcTime returns it) is before `b`, to the microsecond. */
export function isBeforeUtc(a: string, b: string): boolean {
  return sortableUtc(a) < sortableUtc(b);
}

/** utcTime's fixed-width years and fields make the text sortable once every fraction has six digits. */
function sortableUtc(utc: string): string {
  const fraction = utc.length > 20 ? utc.slice(20, -1) : '';
  return `${utc.slice(0, 19)}.${fraction.padEnd(6, '0')}`;
}
