import { createHash } from 'crypto';
import { EntriesDigest, GENESIS_HASH, checkpointHash, entriesDigest, eventHash } from './hashing';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

// Known answers pin the formats, which the SQL functions in the migration write too.
describe('hash formats', () => {
  it('event: sha256(prev "\\n" seq "\\n" content)', () => {
    expect(eventHash(GENESIS_HASH, 1, '{"a":"é"}')).toBe(sha(`${'0'.repeat(64)}\n1\n{"a":"é"}`));
    expect(eventHash(GENESIS_HASH, 1, '{}')).toBe('857ee6299d26533d1f5f46c02209ae8bc34dc4898a8a9545493946b4ea59d6f3');
  });

  it('checkpoint: sha256(prev "\\n" seq "\\n" created_at "\\n" chains "\\n" digest)', () => {
    const content = { seq: 2, createdAt: '2025-01-01T00:00:00.000Z', chains: 1, entriesDigest: 'd'.repeat(64) };
    expect(checkpointHash('p'.repeat(64), content)).toBe(sha(`${'p'.repeat(64)}\n2\n2025-01-01T00:00:00.000Z\n1\n${'d'.repeat(64)}`));
  });

  it('entries digest: one "chain \\t seq \\t hash \\n" line per pinned head, fed incrementally', () => {
    const heads = [
      { chainId: 'a', seq: 1, hash: 'h1' },
      { chainId: 'b', seq: 22, hash: 'h2' },
    ];
    expect(entriesDigest(heads)).toEqual({ chains: 2, entriesDigest: sha('a\t1\th1\nb\t22\th2\n') });
    expect(new EntriesDigest().finish()).toEqual({ chains: 0, entriesDigest: sha('') });
  });
});
