import type { AuditCheckpoint } from './audit.types';
import { CHECKPOINT_CHAIN_ID } from './chain-ids';
import { checkCheckpoint, startCheckpoints, type CheckpointChainState } from './checkpoint-check';
import { GENESIS_HASH, checkpointHash, entriesDigest, type PinnedHead } from './hashing';

const pins: PinnedHead[][] = [
  [
    { chainId: 'incident:a', seq: 3, hash: 'a'.repeat(64) },
    { chainId: 'system', seq: 1, hash: 'b'.repeat(64) },
  ],
  [],
  [{ chainId: 'incident:a', seq: 5, hash: 'c'.repeat(64) }],
];

function checkpoints(): AuditCheckpoint[] {
  let prevHash = GENESIS_HASH;
  return pins.map((heads, i) => {
    const content = { seq: i + 1, createdAt: `2025-01-01T00:0${i}:00.000Z`, ...entriesDigest(heads) };
    const cp = { ...content, prevHash, hash: checkpointHash(prevHash, content) };
    prevHash = cp.hash;
    return cp;
  });
}

function run(cps: AuditCheckpoint[], entries = pins): CheckpointChainState {
  return cps.reduce((state, cp, i) => checkCheckpoint(state, cp, entriesDigest(entries[i] ?? [])), startCheckpoints());
}

describe('checkCheckpoint', () => {
  it('accepts an intact checkpoint chain', () => {
    expect(run(checkpoints()).broken).toBeUndefined();
  });

  const edit = (i: number, patch: Partial<AuditCheckpoint>) => checkpoints().map((cp, j) => (j === i ? { ...cp, ...patch } : cp));
  it.each<[string, AuditCheckpoint[], PinnedHead[][], number]>([
    ['an edited created_at', edit(1, { createdAt: '2020-01-01T00:00:00.000Z' }), pins, 2],
    ['an edited stored hash', edit(0, { hash: 'd'.repeat(64) }), pins, 1],
    ['a deleted checkpoint', checkpoints().filter((cp) => cp.seq !== 2), pins, 2],
    ['an edited pinned head', checkpoints(), [pins[0], pins[1], [{ ...pins[2][0], seq: 4 }]], 3],
    ['a deleted pinned head', checkpoints(), [pins[0].slice(1), pins[1], pins[2]], 1],
    ['an added pinned head', checkpoints(), [pins[0], [{ chainId: 'x', seq: 1, hash: 'e'.repeat(64) }], pins[2]], 2],
  ])('detects %s', (_name, cps, entries, seq) => {
    expect(run(cps, entries).broken).toMatchObject({ chainId: CHECKPOINT_CHAIN_ID, reason: 'checkpoint_mismatch', seq });
  });
});
