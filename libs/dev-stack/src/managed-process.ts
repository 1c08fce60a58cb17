import { spawn } from 'node:child_process';
import { forwardPrefixedLines } from './prefixed-output';
import { signalProcess } from './process-alive';
import type { SupervisedComponent } from './supervisor';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL after `killAfterMs`; resolves once the process is gone. */
  stop(killAfterMs?: number): Promise<ExitInfo>;
}

export interface SpawnManagedOptions {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives each output line, prefixed with `[name]`. */
  writeLine?: (line: string) => void;
  /** Grace period before SIGKILL when stop() is called without one. */
  defaultKillAfterMs?: number;
}

export function describeExit(info: ExitInfo): string {
  return info.signal ? `killed by ${info.signal}` : `exited with code ${info.code ?? 'unknown'}`;
}

export function supervisedProcess(child: ManagedProcess): SupervisedComponent {
  return {
    name: child.name,
    exited: child.exited.then(describeExit),
    stop: async () => {
      await child.stop();
    },
    killNow: () => signalProcess(child.pid, 'SIGKILL'),
  };
}

/**
 * Spawns a long-running child in its own process group: a Ctrl-C in the terminal then reaches only
 * the orchestrator, which stops the children one by one in its own order.
 */
export function spawnManaged(options: SpawnManagedOptions): Promise<ManagedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.command, [...options.args], {
      env: options.env,
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const writeLine = options.writeLine ?? ((line: string) => process.stdout.write(`${line}\n`));
    forwardPrefixedLines(child.stdout, `[${options.name}]`, writeLine);
    forwardPrefixedLines(child.stderr, `[${options.name}]`, writeLine);

    const exited = new Promise<ExitInfo>((settle) => child.once('exit', (code, signal) => settle({ code, signal })));
    child.once('error', reject);
    child.once('spawn', () => {
      const pid = child.pid as number;
      resolve({
        name: options.name,
        pid,
        exited,
        stop: async (killAfterMs = options.defaultKillAfterMs ?? 10_000) => {
          if (child.exitCode !== null || child.signalCode !== null) return exited;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
          const info = await exited;
          clearTimeout(timer);
          return info;
        },
      });
    });
  });
}
