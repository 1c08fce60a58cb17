import { createHash, hash } from 'crypto';

/** The `prev_hash` of every chain's first event and of the first checkpoint. */
export const GENESIS_HASH = '0'.repeat(64);

function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

// The three formats below are also written by the SQL functions in
// migrations/1764000000001-AuditLog.ts (and the event hash by audit_append_batch in
// 1764000000003-SetBasedIntake.ts); both sides must produce the same bytes.

/** An event's hash: its chain's previous hash, its seq and its canonical content. */
export function eventHash(prevHash: string, seq: number, canonicalContent: string): string {
  return sha256Hex(`${prevHash}\n${seq}\n${canonicalContent}`);
}

export interface CheckpointContent {
  seq: number;
  /** ISO 8601, UTC, milliseconds. */
  createdAt: string;
  chains: number;
  entriesDigest: string;
}

export function checkpointHash(prevHash: string, c: CheckpointContent): string {
  return sha256Hex(`${prevHash}\n${c.seq}\n${c.createdAt}\n${c.chains}\n${c.entriesDigest}`);
}

export interface PinnedHead {
  chainId: string;
  seq: number;
  hash: string;
}

/**
 * Digest of one checkpoint's pinned heads, fed in bytewise chain id order (the SQL side
 * orders by a COLLATE "C" column). Incremental, so a large checkpoint is never held whole.
 */
export class EntriesDigest {
  private readonly hash = createHash('sha256');
  private count = 0;

  add(head: PinnedHead): void {
    this.hash.update(`${head.chainId}\t${head.seq}\t${head.hash}\n`, 'utf8');
    this.count += 1;
  }

  finish(): { chains: number; entriesDigest: string } {
    return { chains: this.count, entriesDigest: this.hash.digest('hex') };
  }
}

export function entriesDigest(heads: Iterable<PinnedHead>): { chains: number; entriesDigest: string } {
  const digest = new EntriesDigest();
  for (const head of heads) digest.add(head);
  return digest.finish();
}
