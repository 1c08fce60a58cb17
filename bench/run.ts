import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signalProcess, Supervisor } from '../libs/dev-stack';
import { alertBody, uniqueAlertnames } from './alert-body';
import { startBenchStack, type BenchStack } from './bench-stack';
import { ChildOutput } from './child-output';
import { cpuShares, cpuSnapshot, type CpuShares, type CpuSnapshot, type ProcessGroups } from './cpu-usage';
import { measureHttpCeiling } from './http-ceiling';
import { errorText, log } from './log';
import { computeRatios, describeMachine, formatTable, loadLine, startsLine, writeResults, type BenchResults, type BenchSettings } from './report';
import { measureEmptyStartCeiling, measureVigilShapedStartCeiling } from './temporal-ceiling';
import { measureDuplicates, measureNewIncidents, seedOpenIncidents, type IntakeTarget } from './vigil-intake';
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

  // A key of the same length as Vigil's, so both servers parse the same request.
  const ceilingHeaders = { authorization: `Bearer vgl_${'x'.repeat(43)}` };
  const names = uniqueAlertnames('BenchCeiling');
  const httpCeiling = await phase('HTTP ceiling', () =>
    measureHttpCeiling({ headers: ceilingHeaders, nextBody: () => alertBody(names()), connections: SETTINGS.connections, warmupSec: SETTINGS.warmupSec, durationSec: SETTINGS.loadSec, signal, orphans }),
    loadLine,
  );

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
    const duplicates = await phase(
      'duplicates',
      () => measureDuplicates(target, 'BenchDup', SETTINGS.duplicateFingerprints, SETTINGS.warmupSec, SETTINGS.loadSec),
      (d) => loadLine(d.load),
    );
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

    const partial = { machine, settings, httpCeiling, workflowStartCeiling, vigilShapedStarts, duplicates, newIncidents, cpu, stackWarnings: output.warnings() };
    return { finishedAt: new Date().toISOString(), ...partial, ...computeRatios(partial) };
  } finally {
    await progress.close();
  }
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
