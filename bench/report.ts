import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { CpuShares } from './cpu-usage';
import type { LoadResult } from './load';
import type { StartCeiling } from './temporal-ceiling';
import type { DuplicatesResult, NewIncidentsResult } from './vigil-intake';

/** Share of both cores taken by other processes above which a phase's figures count as disturbed. */
const DISTURBED = 0.1;

export const AIMS = { duplicatesOfHttpCeiling: 0.3, newIncidentsOfStartCeiling: 0.8 } as const;

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverageAtStart: number[];
}

export interface BenchSettings {
  connections: number;
  loadSec: number;
  warmupSec: number;
  rounds: number;
  roundSec: number;
  startConcurrency: number;
  shapedStartSec: number;
  maxDrainSec: number;
  duplicateFingerprints: number;
  bodyBytes: number;
  vigilKnobs: Record<string, string>;
}

/** One round of the HTTP ceiling and the duplicates round measured right after it. */
export interface AlternatingRound {
  httpCeilingPerSec: number;
  duplicatesPerSec: number;
}

export interface BenchResults {
  finishedAt: string;
  machine: Machine;
  settings: BenchSettings;
  httpCeiling: LoadResult;
  workflowStartCeiling: StartCeiling;
  /** For information: starts shaped as Vigil's dispatcher sends them (signal-with-start, search attributes), at its concurrency. */
  vigilShapedStarts: StartCeiling;
  duplicates: DuplicatesResult;
  /** The rounds behind httpCeiling and duplicates, in the order run. */
  alternatingRounds: AlternatingRound[];
  newIncidents: NewIncidentsResult;
  ratios: {
    duplicatesOfHttpCeiling: number;
    newIntakeOfStartCeiling: number;
    newEndToEndOfStartCeiling: number | null;
    newPickedUpOfStartCeiling: number;
  };
  aimsMet: { duplicates: boolean; newIncidentsIntake: boolean; newIncidentsEndToEnd: boolean };
  /**
   * Per phase, the share of both cores each of the bench's processes used (bench = the load
   * generator and client), and `foreign`: anything else; above ~10 % the figures are disturbed.
   */
  cpu: Record<string, CpuShares | undefined>;
  /** Warning and error entries each stack process logged during the run. */
  stackWarnings: Record<string, number>;
}

export function describeMachine(): Machine {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function computeRatios(r: Omit<BenchResults, 'ratios' | 'aimsMet' | 'finishedAt'>): Pick<BenchResults, 'ratios' | 'aimsMet'> {
  const http = r.httpCeiling.okPerSec;
  const starts = r.workflowStartCeiling.startsPerSec;
  const ratios = {
    duplicatesOfHttpCeiling: r.duplicates.load.okPerSec / http,
    newIntakeOfStartCeiling: r.newIncidents.load.okPerSec / starts,
    newEndToEndOfStartCeiling: r.newIncidents.endToEndPerSec / starts,
    newPickedUpOfStartCeiling: r.newIncidents.pickedUpPerSec / starts,
  };
  return {
    ratios,
    aimsMet: {
      duplicates: ratios.duplicatesOfHttpCeiling >= AIMS.duplicatesOfHttpCeiling,
      newIncidentsIntake: ratios.newIntakeOfStartCeiling >= AIMS.newIncidentsOfStartCeiling,
      newIncidentsEndToEnd: (ratios.newEndToEndOfStartCeiling ?? 0) >= AIMS.newIncidentsOfStartCeiling,
    },
  };
}

const num = (n: number | null | undefined, digits = 0): string => (n === null || n === undefined ? '—' : n.toFixed(digits));
const pct = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : `${(n * 100).toFixed(0)} %`);
const ms = (n: number): string => `${num(n, n < 10 ? 1 : 0)} ms`;
const verdict = (met: boolean, aim: number): string => `${met ? 'MET' : 'missed'} (aim ≥ ${aim * 100} %)`;

export function formatTable(r: BenchResults): string {
  const n = r.newIncidents;
  // A rate measured while other processes took over 10 % of the CPU is marked with *.
  const mark = (...phases: string[]): string => (phases.some((p) => (r.cpu[p]?.foreign ?? 0) > DISTURBED) ? ' *' : '  ');
  const rows: string[][] = [
    ['measure', 'rate', 'p50', 'p99', 'vs ceiling'],
    ['HTTP ceiling: bare Fastify 5, POST → 202', `${num(r.httpCeiling.okPerSec)} req/s${mark('HTTP ceiling')}`, ms(r.httpCeiling.latencyMs.p50), ms(r.httpCeiling.latencyMs.p99), ''],
    [
      `Workflow-start ceiling: client.start, ${r.workflowStartCeiling.concurrency} in flight, no worker`,
      `${num(r.workflowStartCeiling.startsPerSec)} starts/s${mark('workflow-start ceiling')}`,
      ms(r.workflowStartCeiling.latencyMs.p50),
      ms(r.workflowStartCeiling.latencyMs.p99),
      '',
    ],
    [
      `  same server, Vigil-shaped: signalWithStart + search attributes, ${r.vigilShapedStarts.concurrency} in flight`,
      `${num(r.vigilShapedStarts.startsPerSec)} starts/s${mark('Vigil-shaped starts')}`,
      ms(r.vigilShapedStarts.latencyMs.p50),
      ms(r.vigilShapedStarts.latencyMs.p99),
      `${pct(r.vigilShapedStarts.startsPerSec / r.workflowStartCeiling.startsPerSec)} of start ceiling (for information)`,
    ],
    [
      `Vigil duplicates (${r.duplicates.openIncidents} open incidents)`,
      `${num(r.duplicates.load.okPerSec)} alerts/s${mark('duplicates')}`,
      ms(r.duplicates.load.latencyMs.p50),
      ms(r.duplicates.load.latencyMs.p99),
      `${pct(r.ratios.duplicatesOfHttpCeiling)} of HTTP ceiling — ${verdict(r.aimsMet.duplicates, AIMS.duplicatesOfHttpCeiling)}`,
    ],
    [
      'Vigil new incidents: intake (202s)',
      `${num(n.load.okPerSec)} alerts/s${mark('new incidents: load')}`,
      ms(n.load.latencyMs.p50),
      ms(n.load.latencyMs.p99),
      `${pct(r.ratios.newIntakeOfStartCeiling)} of start ceiling — ${verdict(r.aimsMet.newIncidentsIntake, AIMS.newIncidentsOfStartCeiling)}`,
    ],
    [
      n.allStartedSec === null
        ? `Vigil new incidents: end to end, ${n.started} of ${n.created} workflows started in ${num(n.waitedSec, 1)} s (gave up)`
        : `Vigil new incidents: end to end, all ${n.created} workflows started in ${num(n.allStartedSec, 1)} s`,
      `${num(n.endToEndPerSec)} incidents/s${mark('new incidents: load', 'new incidents: drain')}`,
      '',
      '',
      `${pct(r.ratios.newEndToEndOfStartCeiling)} of start ceiling — ${verdict(r.aimsMet.newIncidentsEndToEnd, AIMS.newIncidentsOfStartCeiling)}`,
    ],
    [
      n.allPickedUpSec === null
        ? `Vigil new incidents: worker picked up ${n.created - (n.leftWhenGaveUp?.notPickedUp ?? 0)} of ${n.created} in ${num(n.waitedSec, 1)} s (gave up)`
        : `Vigil new incidents: all picked up by the worker in ${num(n.allPickedUpSec, 1)} s`,
      `${num(n.pickedUpPerSec)} incidents/s${mark('new incidents: load', 'new incidents: drain')}`,
      '',
      '',
      `${pct(r.ratios.newPickedUpOfStartCeiling)} of start ceiling (for information)`,
    ],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => (c === 0 || c === 4 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  const m = r.machine;
  const notes = [
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform}); load average at start ${m.loadAverageAtStart.join(' / ')}`,
    `load: autocannon, ${r.settings.connections} connections, ${r.settings.bodyBytes}-byte JSON body; HTTP ceiling and duplicates taking turns (after ${r.settings.warmupSec} s warm-up each) in ${r.settings.rounds} rounds of ${r.settings.roundSec} s, other phases ${r.settings.loadSec} s`,
    `rounds, HTTP ceiling / duplicates: ${r.alternatingRounds.map((round) => `${num(round.httpCeilingPerSec)} / ${num(round.duplicatesPerSec)} (${pct(round.duplicatesPerSec / round.httpCeilingPerSec)})`).join(', ')}`,
    `new incidents: ${n.created} opened; ${num(n.startedDuringLoadPerSec)} workflows/s started while the load ran, ${n.backlogAtLoadEnd} still queued in the outbox when it stopped` +
      (n.leftWhenGaveUp ? `; gave up waiting with ${n.leftWhenGaveUp.backlog} queued, ${n.leftWhenGaveUp.notPickedUp} not picked up` : ''),
    `Vigil knobs from the environment: ${Object.keys(r.settings.vigilKnobs).length ? Object.entries(r.settings.vigilKnobs).map(([k, v]) => `${k}=${v}`).join(' ') : 'none (defaults)'}`,
    'CPU, share of both cores per phase:',
    ...Object.entries(r.cpu).map(([phase, s]) => `  ${phase.padEnd(24)} ${s ? cpuLine(s) : '— (no /proc)'}`),
  ];
  const warned = Object.entries(r.stackWarnings);
  if (warned.length) notes.push(`stack warnings/errors logged: ${warned.map(([name, count]) => `${name} ${count}`).join(', ')}`);
  const errors = [r.httpCeiling, r.duplicates.load, n.load].some((l) => l.non2xx || l.errors || l.timeouts) || r.workflowStartCeiling.failed || r.vigilShapedStarts.failed;
  if (errors) {
    notes.push(
      `errors: HTTP ceiling ${errorCounts(r.httpCeiling)}; duplicates ${errorCounts(r.duplicates.load)}; new ${errorCounts(n.load)}; workflow starts failed ${r.workflowStartCeiling.failed + r.vigilShapedStarts.failed}` +
        (r.workflowStartCeiling.firstError ?? r.vigilShapedStarts.firstError ? ` (${r.workflowStartCeiling.firstError ?? r.vigilShapedStarts.firstError})` : ''),
    );
  }
  const disturbed = Object.values(r.cpu).some((s) => s && s.foreign > DISTURBED);
  if (disturbed) notes.push('WARNING: other processes used over 10 % of the CPU during the phases marked *; those figures are disturbed, rerun on a quiet machine');
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line), '', ...notes].join('\n');
}

/** One line per finished phase, for the progress output. */
export function loadLine(l: LoadResult): string {
  const trouble = l.non2xx || l.errors || l.timeouts ? ` (non-2xx ${l.non2xx}, errors ${l.errors}, timeouts ${l.timeouts})` : '';
  return `${num(l.okPerSec)}/s, p50 ${ms(l.latencyMs.p50)}, p99 ${ms(l.latencyMs.p99)}${trouble}`;
}

export function startsLine(s: StartCeiling): string {
  return `${num(s.startsPerSec)} starts/s, p50 ${ms(s.latencyMs.p50)}, p99 ${ms(s.latencyMs.p99)}${s.failed ? ` (${s.failed} failed: ${s.firstError})` : ''}`;
}

function cpuLine(s: CpuShares): string {
  const groups = Object.entries(s.byGroup).map(([name, share]) => `${name} ${pct(share)}`);
  return `busy ${pct(s.busy)}: ${groups.join(', ')}, other processes ${pct(s.foreign)}`;
}

function errorCounts(l: LoadResult): string {
  return `non-2xx ${l.non2xx} ${JSON.stringify(l.statusCodes)}, errors ${l.errors}, timeouts ${l.timeouts}`;
}

export async function writeResults(path: string, results: BenchResults): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}
