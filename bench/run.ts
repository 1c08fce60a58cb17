import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signalProcess, Supervisor } from '../libs/dev-stack';
import { alertBody, uniqueAlertnames } from './alert-body';
import { startBenchStack, type BenchStack } from './bench-stack';
import { ChildOutput } from './child-output';
import { CpuTally, cpuShares, cpuSnapshot, type CpuShares, type CpuSnapshot, type ProcessGroups } from './cpu-usage';
import { startHttpCeilingServer, type HttpCeilingServer } from './http-ceiling';
import { combineLoads, runLoad, type LoadResult } from './load';
import { errorText, log } from './log';
import { computeRatios, describeMachine, formatTable, loadLine, startsLine, writeResults, type AlternatingRound, type BenchResults, type BenchSettings } from './report';
import { measureEmptyStartCeiling, measureVigilShapedStartCeiling } from './temporal-ceiling';
import { duplicatesLoad, measureNewIncidents, seedOpenIncidents, type IntakeTarget } from './vigil-intake';
import { VigilProgress } from './vigil-progress';

/**
 * `npm run bench`: Vigil's alert intake against the two ceilings it sits on, measured in one run
 * on this machine — bare Fastify for HTTP, the Temporal dev server for workflow starts.
 */

// Compiled to dist/bench/run.js.
const REPO_ROOT = resolve(__dirname, '..', '..');
const RESULTS_PATH = join(REPO_ROOT, 'bench', 'results', 'latest.json');

const SETTINGS = {
  connections: 50,
  loadSec: 10,
  warmupSec: 2,
  /**
   * The HTTP ceiling and Vigil's duplicates are measured in this many rounds of roundSec each,
   * taking turns, so that both meet the same machine: a shared VM's speed drifts by a fifth
   * from minute to minute.
   */
  rounds: 3,
  roundSec: 5,
  startConcurrency: 200,
  duplicateFingerprints: 200,
  /** How long the Vigil-shaped start rate is measured (for information; the ceiling proper runs loadSec). */
  shapedStartSec: 6,
  /** How long to wait, after the new-incident load, for every workflow to start and be picked up. */
  maxDrainSec: 120,
} as const;

const CEILING_TASK_QUEUE = 'bench-start-ceiling';

class Interrupted extends Error {}

async function measure(root: string, supervisor: Supervisor, output: ChildOutput, orphans: Set<number>, signal: AbortSignal): Promise<BenchResults> {
  const machine = describeMachine();
  const sampleBody = alertBody(uniqueAlertnames('BenchNew')());
  const settings: BenchSettings = { ...SETTINGS, bodyBytes: Buffer.byteLength(sampleBody), vigilKnobs: {} };
  const cpu: Record<string, CpuShares | undefined> = {};
  let groups: ProcessGroups = { bench: [process.pid] };
  const phase = async <T>(name: string, run: () => Promise<T>, describe: (result: T) => string): Promise<T> => {
    signal.throwIfAborted();
    log(`${name}…`);
    const before = cpuSnapshot(groups);
    const result = await run();
    cpu[name] = cpuShares(before, cpuSnapshot(groups));
    log(`${name}: ${describe(result)}`);
    return result;
  };

  // Started before the stack, so that its start-up is not disturbed; measured later, in rounds.
  const ceilingServer = await startHttpCeilingServer({ signal, orphans });
  try {
    log('starting the stack (PostgreSQL, Temporal dev server, worker, API)');
    const stack: BenchStack = await startBenchStack(root, supervisor, output, signal);
    settings.vigilKnobs = stack.knobs;
    groups = { bench: [process.pid], ...stack.pids };

    const ceilingTarget = { address: stack.temporalAddress, namespace: stack.namespace, taskQueue: CEILING_TASK_QUEUE, signal };
    const workflowStartCeiling = await phase('workflow-start ceiling', () =>
      measureEmptyStartCeiling({ ...ceilingTarget, concurrency: SETTINGS.startConcurrency, durationSec: SETTINGS.loadSec }),
      startsLine,
    );
    const vigilShapedStarts = await phase('Vigil-shaped starts', () =>
      measureVigilShapedStartCeiling({ ...ceilingTarget, concurrency: stack.vigilConfig.outbox.concurrency, durationSec: SETTINGS.shapedStartSec }),
      startsLine,
    );

    const progress = await VigilProgress.connect(stack.ownerUrl);
    try {
      const target: IntakeTarget = { apiUrl: stack.apiUrl, headers: { authorization: `Bearer ${stack.adminKey}` }, progress, connections: SETTINGS.connections, signal };
      log(`opening ${SETTINGS.duplicateFingerprints} incidents for the duplicates phase`);
      await seedOpenIncidents(target, 'BenchDup', SETTINGS.duplicateFingerprints);
      const { httpCeiling, duplicates, rounds } = await measureInRounds(ceilingServer, target, cpu, () => groups, signal);

      // CPU is split where the load ends: intake with dispatch, then dispatch with the worker.
      signal.throwIfAborted();
      log('new incidents…');
      const loadStart = cpuSnapshot(groups);
      let loadEnd: CpuSnapshot | undefined;
      const newIncidents = await measureNewIncidents(target, 'BenchNew', SETTINGS.loadSec, SETTINGS.maxDrainSec, () => (loadEnd = cpuSnapshot(groups)));
      cpu['new incidents: load'] = cpuShares(loadStart, loadEnd);
      cpu['new incidents: drain'] = cpuShares(loadEnd, cpuSnapshot(groups));
      log(`new incidents: intake ${loadLine(newIncidents.load)}; all ${newIncidents.created} workflows started after ${newIncidents.allStartedSec?.toFixed(1) ?? '—'} s`);
      const trouble = await progress.deliveryTrouble();
      if (trouble.noted || trouble.retried) log(`outbox: ${trouble.retried} command(s) needed retries, ${trouble.noted} carry an error note`);

      const partial = { machine, settings, httpCeiling, workflowStartCeiling, vigilShapedStarts, duplicates, alternatingRounds: rounds, newIncidents, cpu, stackWarnings: output.warnings() };
      return { finishedAt: new Date().toISOString(), ...partial, ...computeRatios(partial) };
    } finally {
      await progress.close();
    }
  } finally {
    await ceilingServer.stop();
  }
}

/**
 * Warms both up, then takes turns: a round of bare Fastify, a round of Vigil's duplicates, and so
 * on. Each side's rate is over all its rounds; the rounds are kept for the report.
 */
async function measureInRounds(
  server: HttpCeilingServer,
  target: IntakeTarget,
  cpu: Record<string, CpuShares | undefined>,
  groups: () => ProcessGroups,
  signal: AbortSignal,
): Promise<{ httpCeiling: LoadResult; duplicates: { openIncidents: number; load: LoadResult }; rounds: AlternatingRound[] }> {
  // A key of the same length as Vigil's, so both servers parse the same request.
  const ceilingHeaders = { authorization: `Bearer vgl_${'x'.repeat(43)}` };
  const names = uniqueAlertnames('BenchCeiling');
  const ceiling = (durationSec: number): Promise<LoadResult> =>
    runLoad({ url: server.url, path: '/api/v1/alerts', headers: ceilingHeaders, nextBody: () => alertBody(names()), connections: SETTINGS.connections, durationSec, signal });
  const repeats = duplicatesLoad(target, 'BenchDup', SETTINGS.duplicateFingerprints);
  const tallies = { 'HTTP ceiling': new CpuTally(), duplicates: new CpuTally() };
  const measured = async (name: keyof typeof tallies, run: () => Promise<LoadResult>): Promise<LoadResult> => {
    signal.throwIfAborted();
    const before = cpuSnapshot(groups());
    const result = await run();
    tallies[name].add(before, cpuSnapshot(groups()));
    return result;
  };

  log(`HTTP ceiling and duplicates: ${SETTINGS.warmupSec} s warm-up each, then ${SETTINGS.rounds} rounds of ${SETTINGS.roundSec} s each, taking turns…`);
  await ceiling(SETTINGS.warmupSec);
  await repeats(SETTINGS.warmupSec);
  const ceilingRounds: LoadResult[] = [];
  const duplicateRounds: LoadResult[] = [];
  for (let round = 1; round <= SETTINGS.rounds; round++) {
    const http = await measured('HTTP ceiling', () => ceiling(SETTINGS.roundSec));
    const dup = await measured('duplicates', () => repeats(SETTINGS.roundSec));
    ceilingRounds.push(http);
    duplicateRounds.push(dup);
    log(`round ${round}: HTTP ceiling ${loadLine(http)}; duplicates ${loadLine(dup)}`);
  }
  cpu['HTTP ceiling'] = tallies['HTTP ceiling'].shares();
  cpu.duplicates = tallies.duplicates.shares();
  const rounds = ceilingRounds.map((http, i) => ({ httpCeilingPerSec: http.okPerSec, duplicatesPerSec: duplicateRounds[i].okPerSec }));
  return { httpCeiling: combineLoads(ceilingRounds), duplicates: { openIncidents: SETTINGS.duplicateFingerprints, load: combineLoads(duplicateRounds) }, rounds };
}


async function main(): Promise<number> {
  const abort = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (abort.signal.aborted) return;
    log(`${name} received, stopping`);
    abort.abort(new Interrupted(name));
  };
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, onSignal);

  const supervisor = new Supervisor(log);
  void supervisor.unexpectedExit.then((error) => abort.signal.aborted || abort.abort(error));
  const orphans = new Set<number>();
  process.on('exit', () => {
    supervisor.killRemainingNow();
    for (const pid of orphans) signalProcess(pid, 'SIGKILL');
  });

  const root = await mkdtemp(join(tmpdir(), 'vigil-bench-'));
  let results: BenchResults | undefined;
  let failure: unknown;
  try {
    // mkdtemp makes it 0700; as root, PostgreSQL runs as the `postgres` user, which must get through it.
    await chmod(root, 0o755);
    results = await measure(root, supervisor, new ChildOutput(), orphans, abort.signal);
  } catch (error) {
    failure = abort.signal.aborted ? abort.signal.reason : error;
  }
  log('stopping the stack');
  await supervisor.stopAll();
  await rm(root, { recursive: true, force: true }).catch((error: unknown) => log(`could not remove ${root}: ${errorText(error)}`));

  if (!results) {
    console.error(`[bench] ${failure instanceof Interrupted ? `interrupted (${failure.message})` : `failed: ${errorText(failure)}`}`);
    return 1;
  }
  await writeResults(RESULTS_PATH, results);
  console.log(`\n${formatTable(results)}\n\nresults: ${RESULTS_PATH}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[bench] ${errorText(error)}`);
    process.exit(1);
  },
);
