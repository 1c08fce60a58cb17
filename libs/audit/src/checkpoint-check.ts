import type { AuditBreak, AuditCheckpoint } from './audit.types';
import { CHECKPOINT_CHAIN_ID } from './chain-ids';
import { GENESIS_HASH, checkpointHash } from './hashing';

export interface CheckpointChainState {
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly broken?: AuditBreak;
}

export function startCheckpoints(): CheckpointChainState {
  return { lastSeq: 0, lastHash: GENESIS_HASH };
}

/**
 * Checks the next checkpoint (ordered by seq) against its predecessor and against what its
 * pinned-head rows actually digest to.
 */
export function checkCheckpoint(
  state: CheckpointChainState,
  cp: AuditCheckpoint,
  entries: { chains: number; entriesDigest: string },
): CheckpointChainState {
  if (state.broken) return state;
  const at = (seq: number, detail: string): CheckpointChainState => ({
    ...state,
    broken: { chainId: CHECKPOINT_CHAIN_ID, seq, reason: 'checkpoint_mismatch', detail },
  });
  const expected = state.lastSeq + 1;
  if (cp.seq !== expected) return at(expected, `expected checkpoint ${expected}, found ${cp.seq}`);
  if (cp.prevHash !== state.lastHash) return at(cp.seq, `prev_hash ${cp.prevHash} is not checkpoint ${state.lastSeq}'s hash`);
  const recomputed = checkpointHash(cp.prevHash, cp);
  if (recomputed !== cp.hash) return at(cp.seq, `stored hash ${cp.hash}, content hashes to ${recomputed}`);
  if (entries.chains !== cp.chains || entries.entriesDigest !== cp.entriesDigest) {
    return at(cp.seq, `its ${entries.chains} pinned heads digest to ${entries.entriesDigest}, recorded ${cp.chains} / ${cp.entriesDigest}`);
  }
  return { lastSeq: cp.seq, lastHash: cp.hash };
}

/** Pinned-head rows that belong to no checkpoint were added behind the checkpoints' back. */
export function orphanEntries(checkpointSeq: number, chainId: string): AuditBreak {
  return { chainId: CHECKPOINT_CHAIN_ID, seq: checkpointSeq, reason: 'checkpoint_mismatch', detail: `pinned head of ${chainId} belongs to no checkpoint ${checkpointSeq}` };
}
