import { millisIfExact } from './audit-rows';

describe('millisIfExact', () => {
  it.each([
    ['2025-01-01T00:00:00.123000Z', '2025-01-01T00:00:00.123Z'],
    ['2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000Z'],
    ['2025-01-01T00:00:00.123001Z', '2025-01-01T00:00:00.123001Z'],
  ])('%s -> %s', (stored, read) => {
    expect(millisIfExact(stored)).toBe(read);
  });
});
