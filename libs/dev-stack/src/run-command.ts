import { execFile } from 'node:child_process';

export interface RunCommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Runs a program to completion (no shell); rejects with its output when it fails. */
export function runCommand(command: string, args: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: options.env, cwd: options.cwd, uid: options.uid, gid: options.gid, timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const code = typeof error.code === 'number' ? error.code : null;
        const output = (stderr || stdout).trim();
        reject(new CommandError(`${command} ${args.join(' ')} failed (${error.code ?? error.signal ?? 'error'})${output ? `: ${output}` : ''}`, code, stdout, stderr));
      },
    );
  });
}

/** True when the program exists and exits 0. */
export async function commandSucceeds(command: string, args: readonly string[], options: RunCommandOptions = {}): Promise<boolean> {
  try {
    await runCommand(command, args, options);
    return true;
  } catch {
    return false;
  }
}
