import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { envSchema } from '../../libs/config';
import { waitForHttpOk } from '../../libs/dev-stack';
import { eventually } from './vigil-harness';

const REPO_ROOT = resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 60_000;
/** The orchestrator's last line when every process stopped as asked (tools/stack.ts). */
export const CLEAN_STOP = /^\[stack\] stopped$/m;

/** `npm start` run as a user runs it in a terminal: its own process group, its output kept. */
export class NpmStart {
  readonly exited: Promise<void>;
  private text = '';
  private hasExited = false;

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
    this.exited = new Promise<void>((done) => child.once('exit', () => done())).then(() => void (this.hasExited = true));
  }

  /** Starts `npm start` and waits until the API is ready and the banner printed; `meanwhile` runs as it comes up. */
  static async upAndReady(env: NodeJS.ProcessEnv, apiUrl: string, meanwhile?: (starting: NpmStart) => Promise<void>): Promise<NpmStart> {
    // Its own process group, as in a terminal, so that Ctrl-C can reach the whole group.
    const run = new NpmStart(spawn('npm', ['start'], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      await Promise.all([
        waitForHttpOk(`${apiUrl}/health/ready`, {
          timeoutMs: START_TIMEOUT_MS,
          failFast: () => (run.hasExited ? new Error(`npm start exited:\n${run.output()}`) : undefined),
        }),
        meanwhile?.(run),
      ]);
      await eventually(async () => (run.output().includes('Ctrl-C stops everything.') ? true : undefined), 'the banner');
    } catch (error) {
      await run.stop();
      throw error;
    }
    return run;
  }

  output(): string {
    return this.text;
  }

  /** What a terminal's Ctrl-C does: SIGINT to the foreground process group. Resolves with what was printed. */
  async ctrlC(): Promise<string> {
    process.kill(-this.child.pid!, 'SIGINT');
    return this.stopped();
  }

  private async stopped(): Promise<string> {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`npm start did not stop within ${STOP_TIMEOUT_MS} ms:\n${this.output()}`)), STOP_TIMEOUT_MS).unref());
    await Promise.race([this.exited, timeout]);
    return this.output();
  }

  /** A signal to npm's own process only, as `kill <pid>`, a process manager or a job runner sends it. Resolves with what was printed. */
  async signalNpm(signal: 'SIGINT' | 'SIGTERM'): Promise<string> {
    this.child.kill(signal);
    return this.stopped();
  }

  /** After a failed test: Ctrl-C, or SIGKILL to the group if that does not work. */
  async stop(): Promise<void> {
    if (this.hasExited) return;
    await this.ctrlC().catch(() => process.kill(-this.child.pid!, 'SIGKILL'));
  }
}

/** The caller's environment without anything that would point the stack elsewhere (the tests' own database, say). */
export function withoutVigilSettings(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...source };
  for (const name of [...Object.keys(envSchema.shape), 'DATABASE_OWNER_URL']) delete copy[name];
  for (const name of Object.keys(copy)) if (name.startsWith('VIGIL_')) delete copy[name];
  return copy;
}

/** Processes whose command line or environment names `dir`: what `npm start` left running there. */
export async function processesUsing(dir: string): Promise<Array<{ pid: number; command: string }>> {
  const found: Array<{ pid: number; command: string }> = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid) continue;
    try {
      const [cmdline, environ] = await Promise.all([readFile(`/proc/${pid}/cmdline`, 'utf8'), readFile(`/proc/${pid}/environ`, 'utf8')]);
      if (cmdline.includes(dir) || environ.includes(dir)) found.push({ pid: Number(pid), command: cmdline.replace(/\0/g, ' ').trim() });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}
