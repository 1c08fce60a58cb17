import { readdirSync, readFileSync } from 'node:fs';

/**
 * How busy the machine was during a phase, and how much of that was not the bench's own processes
 * (other engineers' tests on the same two cores). Linux /proc only; elsewhere the figures are absent.
 */
export interface CpuSnapshot {
  busyTicks: number;
  totalTicks: number;
  /** Per named group of the bench's processes. */
  groupTicks: Record<string, number>;
}

/** Named process trees: each group is its root pids and their descendants, minus other groups' trees. */
export type ProcessGroups = Record<string, readonly number[]>;

export interface CpuShares {
  /** Share of all cores that were busy, 0..1. */
  busy: number;
  /** Share of all cores used by the bench and the processes it started. */
  own: number;
  /** Share of all cores used by anything else. */
  foreign: number;
  /** Share of all cores used by each group. */
  byGroup: Record<string, number>;
}

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime: the process and its reaped children. */
  ticks: number;
}

export function cpuSnapshot(groups: ProcessGroups): CpuSnapshot | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const totalTicks = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = fields[3] + (fields[4] ?? 0);
    return { busyTicks: totalTicks - idle, totalTicks, groupTicks: groupTicks(groups) };
  } catch {
    return undefined;
  }
}

export function cpuShares(from: CpuSnapshot | undefined, to: CpuSnapshot | undefined): CpuShares | undefined {
  if (!from || !to || to.totalTicks <= from.totalTicks) return undefined;
  const total = to.totalTicks - from.totalTicks;
  const busy = (to.busyTicks - from.busyTicks) / total;
  const byGroup: Record<string, number> = {};
  for (const [name, ticks] of Object.entries(to.groupTicks)) byGroup[name] = Math.max(0, (ticks - (from.groupTicks[name] ?? 0)) / total);
  const own = Math.min(busy, Object.values(byGroup).reduce((a, b) => a + b, 0));
  return { busy, own, foreign: Math.max(0, busy - own), byGroup };
}

/** Several intervals of one phase (rounds taking turns with another phase), added up. */
export class CpuTally {
  private total = 0;
  private busy = 0;
  private readonly groups: Record<string, number> = {};
  private complete = true;

  add(from: CpuSnapshot | undefined, to: CpuSnapshot | undefined): void {
    if (!from || !to) {
      this.complete = false;
      return;
    }
    this.total += to.totalTicks - from.totalTicks;
    this.busy += to.busyTicks - from.busyTicks;
    for (const [name, ticks] of Object.entries(to.groupTicks)) this.groups[name] = (this.groups[name] ?? 0) + (ticks - (from.groupTicks[name] ?? 0));
  }

  shares(): CpuShares | undefined {
    if (!this.complete || this.total <= 0) return undefined;
    const from: CpuSnapshot = { busyTicks: 0, totalTicks: 0, groupTicks: {} };
    return cpuShares(from, { busyTicks: this.busy, totalTicks: this.total, groupTicks: this.groups });
  }
}

/** CPU ticks of each group's processes and their live descendants (a descendant that roots another group is that group's). */
function groupTicks(groups: ProcessGroups): Record<string, number> {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readProcStat(pid);
    if (stat) stats.set(pid, stat);
  }
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of stats) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const roots = new Set(Object.values(groups).flat());
  const result: Record<string, number> = {};
  for (const [name, rootPids] of Object.entries(groups)) {
    const seen = new Set<number>();
    const queue = [...rootPids];
    let ticks = 0;
    while (queue.length) {
      const pid = queue.pop() as number;
      if (seen.has(pid)) continue;
      seen.add(pid);
      ticks += stats.get(pid)?.ticks ?? 0;
      queue.push(...(children.get(pid) ?? []).filter((child) => !roots.has(child)));
    }
    result[name] = ticks;
  }
  return result;
}

function readProcStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which sits in parentheses and may hold spaces: field 3 (state) is rest[0].
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [rest[11], rest[12], rest[13], rest[14]].map(Number);
    return { ppid: Number(rest[1]), ticks: utime + stime + cutime + cstime };
  } catch {
    return undefined; // gone meanwhile
  }
}
