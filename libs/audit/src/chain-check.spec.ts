import type { AuditBreak, AuditEventRecord } from './audit.types';
import { checkChain, type ChainAnchors } from './chain-check';
import { buildEventContent, contentOfRecord, eventContentText } from './event-content';
import { GENESIS_HASH, eventHash } from './hashing';

const CHAIN = 'incident:00000000-0000-4000-8000-000000000001';

function id(seq: number): string {
  return `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
}

/** Re-links events from `from` on, as a forger who can recompute hashes would. */
function relink(events: AuditEventRecord[], from = 0): AuditEventRecord[] {
  const out = events.slice(0, from);
  let prev = from === 0 ? GENESIS_HASH : events[from - 1].hash;
  for (const e of events.slice(from)) {
    const hash = eventHash(prev, e.seq, eventContentText(contentOfRecord(e)));
    out.push({ ...e, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

function chain(n: number): AuditEventRecord[] {
  const events = Array.from({ length: n }, (_, i) => {
    const content = buildEventContent({ chainId: CHAIN, type: 'incident.step', actor: 'worker', data: { step: i + 1 } }, id(i + 1), new Date(Date.UTC(2025, 0, 1, 0, 0, i)));
    return { ...content, seq: i + 1, prevHash: '', hash: '' };
  });
  return relink(events);
}

const good = chain(5);
const head = (seq: number, events = good) => ({ seq, hash: events[seq - 1].hash });
const anchors: ChainAnchors = { head: head(5), pin: { ...head(3), checkpointSeq: 1 } };

function swapContent(events: AuditEventRecord[], a: number, b: number): AuditEventRecord[] {
  const out = [...events];
  out[a - 1] = { ...events[b - 1], seq: a };
  out[b - 1] = { ...events[a - 1], seq: b };
  return out;
}

function expectBreak(actual: AuditBreak | undefined, reason: AuditBreak['reason'], seq: number): void {
  expect(actual).toMatchObject({ chainId: CHAIN, reason, seq });
  expect(actual?.detail).toEqual(expect.any(String));
}

describe('checkChain', () => {
  it('accepts an intact chain, with or without anchors', () => {
    expect(checkChain(CHAIN, good, anchors)).toBeUndefined();
    expect(checkChain(CHAIN, good, { head: head(5) })).toBeUndefined();
  });

  it.each<[string, AuditEventRecord[], ChainAnchors, AuditBreak['reason'], number]>([
    ['an edited row', good.map((e) => (e.seq === 3 ? { ...e, data: { step: 99 } } : e)), anchors, 'hash_mismatch', 3],
    ['an edited actor', good.map((e) => (e.seq === 2 ? { ...e, actor: 'mallory' } : e)), anchors, 'hash_mismatch', 2],
    ['an edited occurred_at', good.map((e) => (e.seq === 4 ? { ...e, occurredAt: '2030-01-01T00:00:00.000Z' } : e)), anchors, 'hash_mismatch', 4],
    ['an edited stored hash', good.map((e) => (e.seq === 5 ? { ...e, hash: 'f'.repeat(64) } : e)), anchors, 'hash_mismatch', 5],
    ['a deleted middle row', good.filter((e) => e.seq !== 3), anchors, 'seq_gap', 3],
    ['a deleted first row', good.filter((e) => e.seq !== 1), anchors, 'seq_gap', 1],
    ['two rows swapped', swapContent(good, 3, 4), anchors, 'link_broken', 3],
    ['a first row not linked to genesis', [{ ...good[0], prevHash: 'a'.repeat(64) }, ...good.slice(1)], anchors, 'link_broken', 1],
    ['a deleted newest row (head says more)', good.slice(0, 4), anchors, 'missing_tail', 5],
    ['newest rows deleted, head rewound, checkpoint says more', good.slice(0, 2), { head: head(2), pin: anchors.pin }, 'missing_tail', 3],
    ['no head row', good, { pin: anchors.pin }, 'head_mismatch', 5],
    ['rows beyond the head', good, { head: head(4), pin: anchors.pin }, 'head_mismatch', 5],
    ['a head hash that is not the last hash', good, { head: { seq: 5, hash: good[3].hash }, pin: anchors.pin }, 'head_mismatch', 5],
  ])('detects %s', (_name, events, a, reason, seq) => {
    expectBreak(checkChain(CHAIN, events, a), reason, seq);
  });

  it('detects a rewritten chain (hashes and head recomputed) at the checkpoint pin', () => {
    const forged = relink(good.map((e) => (e.seq === 2 ? { ...e, data: { step: 'forged' } } : e)), 1);
    expect(checkChain(CHAIN, forged, { head: head(5, forged) })).toBeUndefined();
    expectBreak(checkChain(CHAIN, forged, { head: head(5, forged), pin: anchors.pin }), 'checkpoint_mismatch', 3);
  });

  it('reports the first break only, with the event id', () => {
    const events = good.filter((e) => e.seq !== 2).map((e) => (e.seq === 4 ? { ...e, actor: 'x' } : e));
    expect(checkChain(CHAIN, events, anchors)).toMatchObject({ reason: 'seq_gap', seq: 2, eventId: id(3) });
  });
});
