import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie (dead, not yet reaped: some container inits reap late) still takes signals.
  return stateOf(pid) !== 'Z';
}

/** The process's state letter (Linux /proc: R, S, D, T, Z…); undefined where it cannot be read. */
function stateOf(pid: number): string | undefined {
  return statFields(pid)?.[0];
}

/** /proc/<pid>/stat from field 3 on (state, parent, …): the command name (field 2) may hold spaces, so counted from its closing parenthesis. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Sends a signal unless the process is already gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The process's command line (Linux /proc), to tell it from a later process that reused its pid. */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

/** The processes whose parent is `parent` (Linux /proc; none where it cannot be read). Synchronous: also run from exit handlers. */
export function childProcessesOf(parent: number): number[] {
  return processIds().filter((pid) => parentOf(pid) === parent);
}

/** Every process id (Linux /proc; none where it cannot be read). */
function processIds(): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return [];
  }
}

function parentOf(pid: number): number | undefined {
  const parent = statFields(pid)?.[1];
  return parent === undefined ? undefined : Number(parent);
}

/** The folder the process works in (Linux /proc); undefined where it cannot be read. */
export function workingFolderOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** The processes working in `folder` (Linux /proc; none where it cannot be read). */
export function processesWorkingIn(folder: string): number[] {
  return processIds().filter((pid) => workingFolderOf(pid) === folder);
}
