import { isBeforeUtc, utcTime } from './utc-time';

describe('utcTime', () => {
  it('applies the offset, keeping the fraction to the microsecond', () => {
    expect(utcTime('2026-11-24T10:00:00.123456789+01:00')).toBe('2026-11-24T09:00:00.123456Z');
    expect(utcTime('2026-11-24t10:00:00z')).toBe('2026-11-24T10:00:00Z');
  });
  it('takes offsets PostgreSQL itself would refuse', () => {
    expect(utcTime('2024-01-01T00:00:00+16:00')).toBe('2023-12-31T08:00:00Z');
    expect(utcTime('2024-01-01T00:00:00-23:59')).toBe('2024-01-01T23:59:00Z');
  });
  it('cuts a fraction that would round into the next year', () => {
    expect(utcTime('9999-12-31T23:59:59.9999999Z')).toBe('9999-12-31T23:59:59.999999Z');
  });
  it('refuses instants outside the years 0001 to 9999 in UTC', () => {
    expect(utcTime('9999-12-31T23:30:00-01:00')).toBeUndefined();
    expect(utcTime('0001-01-01T00:30:00+01:00')).toBeUndefined();
    expect(utcTime('0000-06-01T00:00:00Z')).toBeUndefined();
    expect(utcTime('0001-01-01T00:30:00-01:00')).toBe('0001-01-01T01:30:00Z');
  });
  it('orders instants to the microsecond, whatever the length of their fractions', () => {
    expect(isBeforeUtc('2024-01-01T00:00:00.0001Z', '2024-01-01T00:00:00.0009Z')).toBe(true);
    expect(isBeforeUtc('2024-01-01T00:00:00.0009Z', '2024-01-01T00:00:00.0001Z')).toBe(false);
    expect(isBeforeUtc('2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000001Z')).toBe(true);
    expect(isBeforeUtc('2024-01-01T00:00:00.5Z', '2024-01-01T00:00:00.499999Z')).toBe(false);
    expect(isBeforeUtc('2024-01-01T00:00:00.5Z', '2024-01-01T00:00:00.500000Z')).toBe(false);
    expect(isBeforeUtc('0999-12-31T23:59:59.9Z', '1000-01-01T00:00:00Z')).toBe(true);
  });
});
