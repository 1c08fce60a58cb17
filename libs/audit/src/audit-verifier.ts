import type { DataSource, QueryRunner } from 'typeorm';
import type { AuditBreak, AuditVerifyReport } from './audit.types';
import { CHECKPOINT_COLUMNS, EVENT_COLUMNS, toCheckpoint, toEventRecord, type CheckpointRow, type EventRow } from './audit-rows';
import { BatchCursor } from './batch-cursor';
import { checkEvent, finishChain, missingChain, startChain, type ChainAnchors, type ChainState } from './chain-check';
import { checkCheckpoint, orphanEntries, startCheckpoints } from './checkpoint-check';
import { EntriesDigest } from './hashing';

interface PinRow {
  checkpoint_seq: string;
  chain_id: string;
  seq: string;
  hash: string;
}

interface AnchorRow {
  chain_id: string;
  head_seq: string | null;
  head_hash: string | null;
  pin_seq: string | null;
  pin_hash: string | null;
  checkpoint_seq: string | null;
}

const ANCHORS_SQL = `SELECT c.chain_id, h.seq AS head_seq, h.hash AS head_hash, p.seq AS pin_seq, p.hash AS pin_hash, p.checkpoint_seq
  FROM unnest($1::text[]) AS c (chain_id)
  LEFT JOIN audit_chain_heads h ON h.chain_id = c.chain_id
  LEFT JOIN LATERAL (
    SELECT seq, hash, checkpoint_seq FROM audit_checkpoint_heads p WHERE p.chain_id = c.chain_id ORDER BY p.seq DESC LIMIT 1
  ) p ON true`;

const HEAD_WITHOUT_EVENTS_SQL = `SELECT h.chain_id, h.seq FROM audit_chain_heads h
  WHERE h.seq > 0 AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.chain_id = h.chain_id)
  ORDER BY h.chain_id LIMIT 1`;

const PIN_WITHOUT_EVENTS_SQL = `SELECT p.chain_id, max(p.seq) AS seq FROM audit_checkpoint_heads p
  WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.chain_id = p.chain_id)
  GROUP BY p.chain_id ORDER BY p.chain_id LIMIT 1`;

/**
 * Re-computes every chain and the checkpoint chain from one consistent snapshot (a read-only
 * REPEATABLE READ transaction, so appends committed meanwhile cannot look like a broken tail),
 * streaming each table through a cursor.
 */
export async function verifyAuditLog(dataSource: DataSource, batchSize: number, now: Date): Promise<AuditVerifyReport> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction('REPEATABLE READ');
    await runner.query('SET TRANSACTION READ ONLY');
    const checkpoints = await verifyCheckpoints(runner, batchSize);
    const chains = await verifyChains(runner, batchSize);
    const firstBroken = checkpoints.broken ?? chains.broken ?? (await findMissingChain(runner));
    return {
      ok: firstBroken === undefined,
      chains: chains.chains,
      events: chains.events,
      checkpoints: checkpoints.count,
      checkedAt: now.toISOString(),
      ...(firstBroken ? { firstBroken } : {}),
    };
  } finally {
    // A ROLLBACK that PostgreSQL does not answer must not keep the connection from the pool: it
    // goes back unsettled, and the pool closes it (closeUnsettledConnections).
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    await runner.release();
  }
}

async function verifyCheckpoints(runner: QueryRunner, batchSize: number): Promise<{ count: number; broken?: AuditBreak }> {
  const checkpoints = await BatchCursor.open<CheckpointRow>(
    runner,
    'audit_verify_checkpoints',
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints c ORDER BY c.seq`,
    batchSize,
  );
  const pins = await BatchCursor.open<PinRow>(
    runner,
    'audit_verify_pins',
    'SELECT checkpoint_seq, chain_id, seq, hash FROM audit_checkpoint_heads ORDER BY checkpoint_seq, chain_id',
    batchSize,
  );
  let state = startCheckpoints();
  let count = 0;
  for (let row = await checkpoints.next(); row; row = await checkpoints.next()) {
    const checkpoint = toCheckpoint(row);
    count += 1;
    const digest = new EntriesDigest();
    for (let pin = await pins.peek(); pin && Number(pin.checkpoint_seq) <= checkpoint.seq; pin = await pins.peek()) {
      await pins.next();
      if (Number(pin.checkpoint_seq) === checkpoint.seq) {
        digest.add({ chainId: pin.chain_id, seq: Number(pin.seq), hash: pin.hash });
      } else if (!state.broken) {
        state = { ...state, broken: orphanEntries(Number(pin.checkpoint_seq), pin.chain_id) };
      }
    }
    state = checkCheckpoint(state, checkpoint, digest.finish());
  }
  const orphan = await pins.peek();
  if (orphan && !state.broken) state = { ...state, broken: orphanEntries(Number(orphan.checkpoint_seq), orphan.chain_id) };
  return { count, broken: state.broken };
}

async function verifyChains(runner: QueryRunner, batchSize: number): Promise<{ chains: number; events: number; broken?: AuditBreak }> {
  const cursor = await BatchCursor.open<EventRow>(
    runner,
    'audit_verify_events',
    `SELECT ${EVENT_COLUMNS} FROM audit_events e ORDER BY e.chain_id, e.seq`,
    batchSize,
  );
  let chains = 0;
  let events = 0;
  let broken: AuditBreak | undefined;
  let current: ChainState | undefined;
  let anchors: ChainAnchors = {};
  for (let batch = await cursor.nextBatch(); batch.length > 0; batch = await cursor.nextBatch()) {
    const anchorsByChain = await loadAnchors(runner, [...new Set(batch.map((r) => r.chain_id))]);
    for (const row of batch) {
      const event = toEventRecord(row);
      events += 1;
      if (current?.chainId !== event.chainId) {
        if (current) broken ??= finishChain(current, anchors);
        current = startChain(event.chainId);
        chains += 1;
      }
      anchors = anchorsByChain.get(event.chainId) ?? {};
      current = checkEvent(current, event, anchors.pin);
    }
  }
  if (current) broken ??= finishChain(current, anchors);
  return { chains, events, broken };
}

async function loadAnchors(runner: QueryRunner, chainIds: string[]): Promise<Map<string, ChainAnchors>> {
  const rows = (await runner.query(ANCHORS_SQL, [chainIds])) as AnchorRow[];
  const byChain = new Map<string, ChainAnchors>();
  for (const r of rows) {
    byChain.set(r.chain_id, {
      ...(r.head_seq !== null && r.head_hash !== null ? { head: { seq: Number(r.head_seq), hash: r.head_hash } } : {}),
      ...(r.pin_seq !== null && r.pin_hash !== null
        ? { pin: { seq: Number(r.pin_seq), hash: r.pin_hash, checkpointSeq: Number(r.checkpoint_seq) } }
        : {}),
    });
  }
  return byChain;
}

async function findMissingChain(runner: QueryRunner): Promise<AuditBreak | undefined> {
  const [head] = (await runner.query(HEAD_WITHOUT_EVENTS_SQL)) as { chain_id: string; seq: string }[];
  if (head) return missingChain(head.chain_id, Number(head.seq), 'its head row');
  const [pin] = (await runner.query(PIN_WITHOUT_EVENTS_SQL)) as { chain_id: string; seq: string }[];
  if (pin) return missingChain(pin.chain_id, Number(pin.seq), 'a checkpoint');
  return undefined;
}
