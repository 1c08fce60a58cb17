import { decodeCursor, encodeCursor, pageOf } from './cursor';

describe('page cursor', () => {
  it('round-trips', () => {
    const cursor = { at: '2026-11-24T05:22:30.986Z', id: 'dd3f6c22-2227-4d29-b966-ae2bf1e4e931' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });
  it.each(['', 'nonsense', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["not a date","dd3f6c22-2227-4d29-b966-ae2bf1e4e931"]').toString('base64url'), Buffer.from('["2026-11-24T05:22:30.986Z","x; DROP TABLE"]').toString('base64url'),
    // Dates and ids that JavaScript would take but PostgreSQL would not.
    Buffer.from('["1","dd3f6c22-2227-4d29-b966-ae2bf1e4e931"]').toString('base64url'),
    Buffer.from('["0000-01-01T00:00:00.000Z","dd3f6c22-2227-4d29-b966-ae2bf1e4e931"]').toString('base64url'),
    Buffer.from('["+010000-01-01T00:00:00.000Z","dd3f6c22-2227-4d29-b966-ae2bf1e4e931"]').toString('base64url'),
    Buffer.from('["+275760-09-13T00:00:00.000Z","dd3f6c22-2227-4d29-b966-ae2bf1e4e931"]').toString('base64url'),
    Buffer.from('["2026-11-24T05:22:30.986Z","------------------------------------"]').toString('base64url')])(
    'rejects %j',
    (text) => {
      expect(decodeCursor(text)).toBeNull();
    },
  );
});

describe('pageOf', () => {
  const rows = [3, 2, 1].map((n) => ({ n, at: `2026-11-24T05:22:3${n}.000Z`, id: `dd3f6c22-2227-4d29-b966-ae2bf1e4e93${n}` }));

  it('gives the limit of rows and a cursor to the row after the last, when the query found one more', () => {
    const page = pageOf(rows, 2, (row) => row);
    expect(page.items.map((row) => row.n)).toEqual([3, 2]);
    expect(decodeCursor(page.nextCursor!)).toEqual({ at: rows[1].at, id: rows[1].id });
  });

  it('gives no cursor on the last page', () => {
    expect(pageOf(rows, 3, (row) => row)).toEqual({ items: rows, nextCursor: null });
    expect(pageOf([], 3, (row: (typeof rows)[number]) => row)).toEqual({ items: [], nextCursor: null });
  });
});
