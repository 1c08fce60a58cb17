import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { envSchema } from '../libs/config';
import { findFreePort, waitForHttpOk } from '../libs/dev-stack';
import { alert, eventually } from './support/vigil-harness';
import { testEnv } from './support/test-env';

const REPO_ROOT = resolve(__dirname, '..');
const START_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 60_000;
/** The orchestrator's last line when every process stopped as asked (tools/stack.ts). */
const CLEAN_STOP = /^\[stack\] stopped$/m;

interface RunningStack {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

/**
 * `npm start` as a user runs it, on a data folder and ports of its own: it prints the URLs and a
 * first admin key, Ctrl-C stops every process it started, and the next `npm start` on the same
 * folder finds the incident and its workflow, which carries on.
 */
describe('npm start', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;
  let running: RunningStack | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-npm-start-'));
    const [api, postgres, temporal, temporalUi] = await Promise.all([findFreePort(), findFreePort(), findFreePort(), findFreePort()]);
    apiUrl = `http://127.0.0.1:${api}`;
    env = {
      ...withoutVigilSettings(process.env),
      VIGIL_DATA_DIR: dataDir,
      PORT: String(api),
      VIGIL_PG_PORT: String(postgres),
      VIGIL_TEMPORAL_PORT: String(temporal),
      VIGIL_TEMPORAL_UI_PORT: String(temporalUi),
      TEMPORAL_CLI_PATH: testEnv('TEMPORAL_CLI_PATH'),
    };
  });

  afterAll(async () => {
    if (running) await ctrlC(running).catch(() => running?.child.pid && process.kill(-running.child.pid, 'SIGKILL'));
    await rm(dataDir, { recursive: true, force: true });
  });

  function npmStart(): RunningStack {
    // Its own process group, as in a terminal, so that Ctrl-C can reach the whole group.
    const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['start'], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    return { child, output: () => text, exited };
  }

  /** What a terminal's Ctrl-C does: SIGINT to the foreground process group. Resolves with what was printed. */
  async function ctrlC(stack: RunningStack): Promise<string> {
    process.kill(-stack.child.pid!, 'SIGINT');
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`npm start did not stop within ${STOP_TIMEOUT_MS} ms:\n${stack.output()}`)), STOP_TIMEOUT_MS).unref());
    await Promise.race([stack.exited, timeout]);
    running = undefined;
    return stack.output();
  }

  async function upAndReady(): Promise<RunningStack> {
    running = npmStart();
    const stack = running;
    let exited = false;
    void stack.exited.then(() => (exited = true));
    await waitForHttpOk(`${apiUrl}/health/ready`, {
      timeoutMs: START_TIMEOUT_MS,
      failFast: () => (exited ? new Error(`npm start exited:\n${stack.output()}`) : undefined),
    });
    await eventually(async () => (stack.output().includes('Ctrl-C stops everything.') ? true : undefined), 'the banner');
    return stack;
  }

  function request(key: string, path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers } });
  }

  it('comes up with the URLs and a first admin key, stops cleanly on Ctrl-C, and finds its incidents and workflows when started again', async () => {
    const first = await upAndReady();
    expect(first.output()).toContain(`${apiUrl}/docs`);
    expect(first.output()).toMatch(/Temporal UI\s+http:\/\/127\.0\.0\.1:\d+/);
    const key = /A new admin API key was created[^\n]*\n\s*\n\s+(\S+)/.exec(first.output())?.[1];
    expect(key).toBeDefined();

    const sent = await request(key!, '/api/v1/alerts', { method: 'POST', body: JSON.stringify(alert()) });
    expect(sent.status).toBe(202);
    const [accepted] = ((await sent.json()) as { alerts: Array<{ incidentId: string }> }).alerts;
    await eventually(async () => {
      const detail = (await (await request(key!, `/api/v1/incidents/${accepted.incidentId}`)).json()) as { workflow: { available: boolean } };
      return detail.workflow.available ? true : undefined;
    }, 'the incident workflow running');

    // What Ctrl-C must stop, seen by the same probe that checks nothing is left after.
    const started = (await processesUsing(dataDir)).join('\n');
    for (const part of ['postgres', 'temporal', 'apps/worker', 'apps/api']) expect(started).toContain(part);
    expect(await ctrlC(first)).toMatch(CLEAN_STOP);
    expect(await processesUsing(dataDir)).toEqual([]);

    const second = await upAndReady();
    expect(second.output()).not.toContain('A new admin API key was created');
    const detail = await request(key!, `/api/v1/incidents/${accepted.incidentId}`);
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({ status: 'triggered', workflow: { available: true, state: { status: 'triggered' } } });
    // The workflow carries on under the restarted worker.
    const acked = await request(key!, `/api/v1/incidents/${accepted.incidentId}/acknowledge`, { method: 'POST', body: '{}' });
    expect(acked.status).toBe(200);
    expect(await acked.json()).toMatchObject({ status: 'acknowledged' });

    expect(await ctrlC(second)).toMatch(CLEAN_STOP);
    expect(await processesUsing(dataDir)).toEqual([]);
  });
});

/** The caller's environment without anything that would point the stack elsewhere (the tests' own database, say). */
function withoutVigilSettings(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...source };
  for (const name of Object.keys(envSchema.shape)) delete copy[name];
  for (const name of Object.keys(copy)) if (name.startsWith('VIGIL_')) delete copy[name];
  return copy;
}

/** Processes whose command line or environment names `dir`: what `npm start` left running there. */
async function processesUsing(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid) continue;
    try {
      const [cmdline, environ] = await Promise.all([readFile(`/proc/${pid}/cmdline`, 'utf8'), readFile(`/proc/${pid}/environ`, 'utf8')]);
      if (cmdline.includes(dir) || environ.includes(dir)) found.push(`${pid}: ${cmdline.replace(/\0/g, ' ').trim()}`);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}
