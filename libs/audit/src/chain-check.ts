import type { AuditBreak, AuditEventRecord } from './audit.types';
import { contentOfRecord, eventContentText } from './event-content';
import { GENESIS_HASH, eventHash } from './hashing';

/** A (seq, hash) that something outside the event rows says a chain reached. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

export interface ChainAnchors {
  /** The chain's row in audit_chain_heads. */
  head?: ChainAnchor;
  /** The highest head any checkpoint pinned for the chain. */
  pin?: ChainAnchor & { checkpointSeq: number };
}

/** Where the check of one chain stands after the events seen so far (ordered by seq). */
export interface ChainState {
  readonly chainId: string;
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly broken?: AuditBreak;
}

export function startChain(chainId: string): ChainState {
  return { chainId, lastSeq: 0, lastHash: GENESIS_HASH };
}

/** Checks the next event of a chain; once broken, later events are not judged. */
export function checkEvent(state: ChainState, event: AuditEventRecord, pin?: ChainAnchors['pin']): ChainState {
  if (state.broken) return state;
  const at = (reason: AuditBreak['reason'], seq: number, detail: string): ChainState => ({
    ...state,
    broken: { chainId: state.chainId, seq, eventId: event.id, reason, detail },
  });
  const expected = state.lastSeq + 1;
  if (event.seq !== expected) {
    return at('seq_gap', expected, `expected seq ${expected}, found seq ${event.seq}`);
  }
  if (event.prevHash !== state.lastHash) {
    return at('link_broken', event.seq, `prev_hash ${event.prevHash} is not the hash of seq ${state.lastSeq} (${state.lastHash})`);
  }
  const recomputed = eventHash(event.prevHash, event.seq, eventContentText(contentOfRecord(event)));
  if (recomputed !== event.hash) {
    return at('hash_mismatch', event.seq, `stored hash ${event.hash}, content hashes to ${recomputed}`);
  }
  if (pin && pin.seq === event.seq && pin.hash !== event.hash) {
    return at('checkpoint_mismatch', event.seq, `checkpoint ${pin.checkpointSeq} pinned hash ${pin.hash} at seq ${pin.seq}`);
  }
  return { ...state, lastSeq: event.seq, lastHash: event.hash };
}

/** After a chain's last event: do its head and its checkpoint pin agree with where it ends? */
export function finishChain(state: ChainState, anchors: ChainAnchors): AuditBreak | undefined {
  if (state.broken) return state.broken;
  const { chainId, lastSeq, lastHash } = state;
  const { head, pin } = anchors;
  const next = lastSeq + 1;
  if (pin && pin.seq > lastSeq) {
    return { chainId, seq: next, reason: 'missing_tail', detail: `checkpoint ${pin.checkpointSeq} pinned seq ${pin.seq}, the chain ends at ${lastSeq}` };
  }
  if (!head) {
    return { chainId, seq: lastSeq, reason: 'head_mismatch', detail: `no head row for a chain of ${lastSeq} events` };
  }
  if (head.seq > lastSeq) {
    return { chainId, seq: next, reason: 'missing_tail', detail: `head says seq ${head.seq}, the chain ends at ${lastSeq}` };
  }
  if (head.seq < lastSeq) {
    return { chainId, seq: head.seq + 1, reason: 'head_mismatch', detail: `head says seq ${head.seq}, the chain goes on to ${lastSeq}` };
  }
  if (head.hash !== lastHash) {
    return { chainId, seq: lastSeq, reason: 'head_mismatch', detail: `head hash ${head.hash} differs from seq ${lastSeq}'s hash ${lastHash}` };
  }
  return undefined;
}

/** A chain that a head row or a checkpoint names but that has no events left. */
export function missingChain(chainId: string, seq: number, namedBy: string): AuditBreak {
  return { chainId, seq: 1, reason: 'missing_chain', detail: `${namedBy} names seq ${seq}, no events are stored` };
}

/** Checks a whole chain held in memory (tests and small chains); `verify` streams instead. */
export function checkChain(chainId: string, events: readonly AuditEventRecord[], anchors: ChainAnchors): AuditBreak | undefined {
  let state = startChain(chainId);
  for (const event of events) state = checkEvent(state, event, anchors.pin);
  return finishChain(state, anchors);
}
