import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkDataDirWritable } from './data-dir-writable';
import type { Log } from './log';
import { commandLineOf, isProcessAlive, signalProcess } from './process-alive';
import { sleep } from './wait';

/** One stack per data folder: two would share PostgreSQL's data and Temporal's SQLite file. */
export interface DataDirLock {
  /**
   * Remembers a child, so a later run can stop it (with `stopSignal`) if this orchestrator dies
   * without doing so. Leftovers are stopped in the reverse order of recording.
   */
  recordChild(name: string, pid: number, stopSignal?: NodeJS.Signals): Promise<void>;
  release(): Promise<void>;
}

interface RecordedProcess {
  pid: number;
  cmdline: string;
}

interface RecordedChild extends RecordedProcess {
  name: string;
  stopSignal: NodeJS.Signals;
}

interface LockContent extends RecordedProcess {
  children: RecordedChild[];
}

const LOCK_FILE = 'stack.lock';

export async function lockDataDir(dataDir: string, log: Log): Promise<DataDirLock> {
  // Before mkdir, which may never settle on a folder no data can be kept in (under /proc).
  await checkDataDirWritable(dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const file = join(dataDir, LOCK_FILE);
  const content: LockContent = { ...record(process.pid), children: [] };
  for (;;) {
    if (await createWithContent(file, content)) break;
    const previous = await readLock(file);
    if (previous && isStillRunning(previous)) throw new Error(inUseMessage(previous.pid, dataDir));
    if (previous) await stopLeftoverChildren(previous, log);
    await setStaleLockAside(file, previous);
  }
  return {
    recordChild: async (name, pid, stopSignal = 'SIGTERM') => {
      content.children.push({ name, stopSignal, ...record(pid) });
      await replaceWithContent(file, content);
    },
    release: () => rm(file, { force: true }),
  };
}

/**
 * Why a stack could not start on this data folder now, if another holds it. Only a first look
 * (`npm start` asks before it rebuilds `dist/` under a running stack); `lockDataDir` decides.
 */
export async function dataDirInUse(dataDir: string): Promise<string | undefined> {
  const holder = await readLock(join(dataDir, LOCK_FILE));
  return holder && isStillRunning(holder) ? inUseMessage(holder.pid, dataDir) : undefined;
}

function inUseMessage(pid: number, dataDir: string): string {
  return `another Vigil stack (pid ${pid}) is using ${dataDir}; stop it first, or set VIGIL_DATA_DIR to another folder`;
}

// A reader must never see a lock half written: it would take it for a stale one and take over.
// Content goes to a file of this process's own first, which then becomes the lock in one step.

function ownPath(file: string, kind: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.${kind}`;
}

/** Creates the lock with its whole content at once; false when one exists. */
async function createWithContent(file: string, content: LockContent): Promise<boolean> {
  const draft = ownPath(file, 'new');
  await writeFile(draft, JSON.stringify(content));
  try {
    await link(draft, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    await rm(draft, { force: true });
  }
}

async function replaceWithContent(file: string, content: LockContent): Promise<void> {
  const draft = ownPath(file, 'new');
  await writeFile(draft, JSON.stringify(content));
  await rename(draft, file);
}

/**
 * Moves a stale lock out of the way. Another starter may have replaced it with its own live lock
 * since it was read; that one is put back, and the caller's next attempt finds it.
 */
async function setStaleLockAside(file: string, stale: LockContent | undefined): Promise<void> {
  const aside = ownPath(file, 'stale');
  try {
    await rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await readLock(aside);
  if (moved && moved.pid !== stale?.pid && isStillRunning(moved)) await link(aside, file).catch(() => undefined);
  await rm(aside, { force: true });
}

function record(pid: number): RecordedProcess {
  return { pid, cmdline: commandLineOf(pid) ?? '' };
}

async function readLock(file: string): Promise<LockContent | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockContent;
  } catch {
    return undefined;
  }
}

function isStillRunning(recorded: RecordedProcess): boolean {
  return isProcessAlive(recorded.pid) && (!recorded.cmdline || commandLineOf(recorded.pid) === recorded.cmdline);
}

/** Children of an orchestrator that was killed outright (SIGKILL, OOM) and so never stopped them. */
async function stopLeftoverChildren(previous: LockContent, log: Log): Promise<void> {
  for (const child of [...(previous.children ?? [])].reverse()) {
    if (!child.cmdline || !isStillRunning(child)) continue;
    log(`stopping ${child.name} (pid ${child.pid}) left running by an earlier stack`);
    signalProcess(child.pid, child.stopSignal);
    for (let waited = 0; waited < 10_000 && isProcessAlive(child.pid); waited += 100) await sleep(100);
    if (isProcessAlive(child.pid)) signalProcess(child.pid, 'SIGKILL');
  }
}
