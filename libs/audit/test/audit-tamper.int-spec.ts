import { randomUUID } from 'crypto';
import { AuditLog, CHECKPOINT_CHAIN_ID, alertChainId, incidentChainId, type AuditBreak, type AuditVerifyReport } from '../index';
import { EVENT_COLUMNS, toEventRecord, type EventRow } from '../src/audit-rows';
import { contentOfRecord, eventContentText } from '../src/event-content';
import { eventHash } from '../src/hashing';
import { createScratchDatabase, openDataSource, runSql, type ScratchDatabase } from '../../../test/support/test-database';

// Each case tampers with its own copy of one seeded database, as its owner with the
// append-only triggers disabled, so no case (and no other test file) sees another's damage.
//
// Seed: chain A (incident) 5 events, checkpoint 1, 2 more events; chain B (alerts) 3 events;
// checkpoint 2 (pins A@7, B@3); chain C (system) 2 events that no checkpoint pins yet.
const A = incidentChainId(randomUUID());
const B = alertChainId(`fp-${randomUUID()}`);
const C = 'system';
const TABLES = ['audit_events', 'audit_chain_heads', 'audit_checkpoints', 'audit_checkpoint_heads'];

type Sql = string | [string, unknown[]];

/** Runs statements as the owner with every audit trigger off, as an attacker with owner rights would. */
function tamper(db: ScratchDatabase, statements: Sql[]): Promise<void> {
  return runSql(db.ownerUrl, [
    'BEGIN',
    ...TABLES.map((t) => `ALTER TABLE ${t} DISABLE TRIGGER USER`),
    ...statements,
    ...TABLES.map((t) => `ALTER TABLE ${t} ENABLE TRIGGER USER`),
    'COMMIT',
  ]);
}

const event = (chain: string, seq: number) => `chain_id = '${chain}' AND seq = ${seq}`;
const rewindHead = (chain: string, seq: number): string =>
  `UPDATE audit_chain_heads SET seq = ${seq}, hash = (SELECT hash FROM audit_events WHERE ${event(chain, seq)}) WHERE chain_id = '${chain}'`;

/** A forger who re-hashes the rest of chain A and its head after editing seq 2. */
async function rewriteChainA(db: ScratchDatabase): Promise<void> {
  const ds = await openDataSource(db.ownerUrl, 1);
  let rows: EventRow[];
  try {
    rows = (await ds.query(`SELECT ${EVENT_COLUMNS} FROM audit_events e WHERE e.chain_id = $1 ORDER BY e.seq`, [A])) as EventRow[];
  } finally {
    await ds.destroy();
  }
  const statements: Sql[] = [];
  let prev = '';
  for (const record of rows.map(toEventRecord)) {
    if (record.seq === 2) record.data = { step: 'forged' };
    if (record.seq >= 2) {
      const hash = eventHash(prev, record.seq, eventContentText(contentOfRecord(record)));
      statements.push([`UPDATE audit_events SET data = $1, prev_hash = $2, hash = $3 WHERE ${event(A, record.seq)}`, [JSON.stringify(record.data), prev, hash]]);
      record.hash = hash;
    }
    prev = record.hash;
  }
  statements.push([`UPDATE audit_chain_heads SET hash = $1 WHERE chain_id = '${A}'`, [prev]]);
  await tamper(db, statements);
}

/** The app role may INSERT: a row slipped in beside audit_append, correctly hashed, still shows. */
async function appendBehindTheHead(db: ScratchDatabase): Promise<void> {
  const ds = await openDataSource(db.appUrl, 1);
  try {
    const [last] = ((await ds.query(`SELECT ${EVENT_COLUMNS} FROM audit_events e WHERE ${event(A, 7)}`)) as EventRow[]).map(toEventRecord);
    const forged = { ...last, id: randomUUID(), seq: 8, prevHash: last.hash, type: 'forged' };
    const hash = eventHash(forged.prevHash, 8, eventContentText(contentOfRecord(forged)));
    await ds.query(
      `INSERT INTO audit_events (chain_id, seq, id, occurred_at, type, actor, data, prev_hash, hash)
       VALUES ($1, 8, $2, $3, 'forged', $4, $5, $6, $7)`,
      [A, forged.id, forged.occurredAt, forged.actor, JSON.stringify(forged.data), forged.prevHash, hash],
    );
  } finally {
    await ds.destroy();
  }
}

async function verify(db: ScratchDatabase): Promise<AuditVerifyReport> {
  const ds = await openDataSource(db.appUrl, 1);
  try {
    return await new AuditLog(ds, { verifyBatchSize: 4 }).verify();
  } finally {
    await ds.destroy();
  }
}

describe('verify detects tampering', () => {
  let seeded: ScratchDatabase;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    seeded = await createScratchDatabase('vigil_audit_tamper_seed');
    const ds = await openDataSource(seeded.appUrl, 1);
    try {
      const audit = new AuditLog(ds);
      const append = async (chainId: string, n: number) => {
        for (let i = 0; i < n; i++) {
          const r = await audit.append({ chainId, type: 'step', actor: 'worker', data: { step: i } });
          ids.set(`${chainId}#${r.seq}`, r.id);
        }
      };
      await append(A, 5);
      await audit.checkpoint();
      await append(A, 2);
      await append(B, 3);
      await audit.checkpoint();
      await append(C, 2);
    } finally {
      await ds.destroy();
    }
  });

  afterAll(async () => {
    await seeded?.drop();
  });

  async function tamperedCopy(damage: (db: ScratchDatabase) => Promise<void>): Promise<AuditVerifyReport> {
    const db = await createScratchDatabase('vigil_audit_tamper_case', seeded.name);
    try {
      await damage(db);
      return await verify(db);
    } finally {
      await db.drop();
    }
  }

  it('finds the untouched copy intact', async () => {
    expect(await tamperedCopy(async () => undefined)).toMatchObject({ ok: true, chains: 3, events: 12, checkpoints: 2 });
  });

  const cases: Array<[string, (db: ScratchDatabase) => Promise<void>, Partial<AuditBreak> & { chainId: string; reason: AuditBreak['reason'] }]> = [
    ['an edited row', (db) => tamper(db, [`UPDATE audit_events SET data = '{"step": 99}' WHERE ${event(A, 3)}`]), { chainId: A, seq: 3, reason: 'hash_mismatch' }],
    [
      'a timestamp edited below the millisecond',
      (db) => tamper(db, [`UPDATE audit_events SET occurred_at = occurred_at + interval '1 microsecond' WHERE ${event(A, 2)}`]),
      { chainId: A, seq: 2, reason: 'hash_mismatch' },
    ],
    ['a deleted middle row', (db) => tamper(db, [`DELETE FROM audit_events WHERE ${event(A, 3)}`]), { chainId: A, seq: 3, reason: 'seq_gap' }],
    [
      'two reordered rows (contents swapped)',
      (db) =>
        tamper(db, [
          `UPDATE audit_events e SET id = o.id, occurred_at = o.occurred_at, data = o.data, prev_hash = o.prev_hash, hash = o.hash
             FROM audit_events o
            WHERE e.chain_id = '${A}' AND o.chain_id = '${A}' AND ((e.seq = 3 AND o.seq = 4) OR (e.seq = 4 AND o.seq = 3))`,
        ]),
      { chainId: A, seq: 3, reason: 'link_broken' },
    ],
    ['deleted newest events (the head says more)', (db) => tamper(db, [`DELETE FROM audit_events WHERE chain_id = '${A}' AND seq >= 6`]), { chainId: A, seq: 6, reason: 'missing_tail' }],
    [
      'deleted newest events with the head rewound (a checkpoint says more)',
      (db) => tamper(db, [`DELETE FROM audit_events WHERE chain_id = '${A}' AND seq >= 6`, rewindHead(A, 5)]),
      { chainId: A, seq: 6, reason: 'missing_tail', detail: expect.stringMatching(/checkpoint 2/) as unknown as string },
    ],
    ['a deleted whole chain (its head names it)', (db) => tamper(db, [`DELETE FROM audit_events WHERE chain_id = '${B}'`]), { chainId: B, reason: 'missing_chain' }],
    [
      'a deleted whole chain and its head (a checkpoint names it)',
      (db) => tamper(db, [`DELETE FROM audit_events WHERE chain_id = '${B}'`, `DELETE FROM audit_chain_heads WHERE chain_id = '${B}'`]),
      { chainId: B, reason: 'missing_chain', detail: expect.stringMatching(/checkpoint/) as unknown as string },
    ],
    [
      "an edited checkpoint's pinned head",
      (db) => tamper(db, [`UPDATE audit_checkpoint_heads SET hash = repeat('e', 64) WHERE checkpoint_seq = 2 AND chain_id = '${B}'`]),
      { chainId: CHECKPOINT_CHAIN_ID, seq: 2, reason: 'checkpoint_mismatch' },
    ],
    [
      'an edited checkpoint',
      (db) => tamper(db, [`UPDATE audit_checkpoints SET created_at = created_at - interval '1 day' WHERE seq = 1`]),
      { chainId: CHECKPOINT_CHAIN_ID, seq: 1, reason: 'checkpoint_mismatch' },
    ],
    [
      'a deleted checkpoint',
      (db) => tamper(db, ['DELETE FROM audit_checkpoint_heads WHERE checkpoint_seq = 1', 'DELETE FROM audit_checkpoints WHERE seq = 1']),
      { chainId: CHECKPOINT_CHAIN_ID, seq: 1, reason: 'checkpoint_mismatch' },
    ],
    ['a chain re-hashed after an edit, head included (the checkpoint pin disagrees)', rewriteChainA, { chainId: A, seq: 7, reason: 'checkpoint_mismatch' }],
    ['a row inserted by the app role beside audit_append', appendBehindTheHead, { chainId: A, seq: 8, reason: 'head_mismatch' }],
  ];

  it.each(cases)('%s', async (_name, damage, expected) => {
    const report = await tamperedCopy(damage);
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject(expected);
  });

  it('names the event an edit broke', async () => {
    const report = await tamperedCopy((db) => tamper(db, [`UPDATE audit_events SET actor = 'mallory' WHERE ${event(B, 2)}`]));
    expect(report.firstBroken).toMatchObject({ chainId: B, seq: 2, eventId: ids.get(`${B}#2`), reason: 'hash_mismatch' });
  });

  // The documented limit: what no checkpoint has pinned yet can be cut off together with its
  // head. Frequent checkpoints, with their hashes published elsewhere, keep that window short.
  it('cannot see a tail deleted with its head after the last checkpoint', async () => {
    const report = await tamperedCopy((db) => tamper(db, [`DELETE FROM audit_events WHERE ${event(C, 2)}`, rewindHead(C, 1)]));
    expect(report).toMatchObject({ ok: true, events: 11 });
  });
});
