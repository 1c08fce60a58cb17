import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const file = join(dataDir, LOCK_FILE);
  const content: LockContent = { ...record(process.pid), children: [] };
  for (;;) {
    try {
      await writeFile(file, JSON.stringify(content), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const previous = await readLock(file);
    if (previous && isStillRunning(previous)) {
      throw new Error(`another Vigil stack (pid ${previous.pid}) is using ${dataDir}; stop it first, or set VIGIL_DATA_DIR to another folder`);
    }
    if (previous) await stopLeftoverChildren(previous, log);
    await rm(file, { force: true });
  }
  return {
    recordChild: async (name, pid, stopSignal = 'SIGTERM') => {
      content.children.push({ name, stopSignal, ...record(pid) });
      await writeFile(file, JSON.stringify(content));
    },
    release: () => rm(file, { force: true }),
  };
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
