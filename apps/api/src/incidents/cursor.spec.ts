import { decodeCursor, encodeCursor } from './cursor';

describe('incident cursor', () => {
  it('round-trips', () => {
    const cursor = { createdAt: '2026-11-24T05:22:30.986Z', id: 'dd3f6c22-2227-4d29-b966-ae2bf1e4e931' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });
  it.each(['', 'nonsense', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["not a date","dd3f6c22-2227-4d29-b966-ae2bf1e4e931"]').toString('base64url'), Buffer.from('["2026-11-24T05:22:30.986Z","x; DROP TABLE"]').toString('base64url'),
    // Dates and ids that JavaScript would take but PostgreSQL would not.
    Buffer.from('["1","dd3f6c22-2227-4d29-b966-ae2bf1e4e931"]').toString('base64url'),
    Buffer.from('["0000-01-01T00:00:00.000Z","dd3f6c22-2227-4d29-b966-ae2bf1e4e931"]').toString('base64url'),
    Buffer.from('["2026-11-24T05:22:30.986Z","------------------------------------"]').toString('base64url')])(
    'rejects %j',
    (text) => {
      expect(decodeCursor(text)).toBeNull();
    },
  );
});
