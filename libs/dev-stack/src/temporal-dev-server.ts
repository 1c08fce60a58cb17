import { CLI_SEARCH_ATTRIBUTE_TYPES, VIGIL_SEARCH_ATTRIBUTES } from '../../contracts';
import type { Log } from './log';
import { describeExit, spawnManaged, type ExitInfo } from './managed-process';
import { keepSqliteOwnerOnly } from './owner-only';
import { signalProcess } from './process-alive';
import { commandSucceeds } from './run-command';
import type { SupervisedComponent } from './supervisor';
import { abortError, waitUntil } from './wait';

/**
 * WAL with synchronous=normal roughly doubles the dev server's throughput on a SQLite file
 * (one fsync per checkpoint instead of per commit). A power cut may lose the last moments of
 * history, never corrupt it; fine for a local stack.
 */
export const FAST_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'] as const;

export interface TemporalDevServerOptions {
  cliPath: string;
  port: number;
  uiPort: number;
  /** Persist to this SQLite file; omitted, the server keeps everything in memory. */
  dbFilename?: string;
  namespace?: string;
  sqlitePragmas?: readonly string[];
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readyTimeoutMs?: number;
  /** Aborting while it starts stops the server and rejects. */
  signal?: AbortSignal;
  writeLine?: (line: string) => void;
  log: Log;
}

export interface TemporalDevServer {
  readonly address: string;
  readonly uiUrl: string;
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

export function supervisedTemporal(server: TemporalDevServer): SupervisedComponent {
  return { name: 'Temporal', exited: server.exited.then(describeExit), stop: () => server.stop(), killNow: () => signalProcess(server.pid, 'SIGKILL') };
}

export function temporalDevServerArgs(options: TemporalDevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(options.port), '--ui-port', String(options.uiPort)];
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  args.push('--namespace', options.namespace ?? 'default');
  for (const attribute of VIGIL_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${attribute.name}=${CLI_SEARCH_ATTRIBUTE_TYPES[attribute.type]}`);
  for (const pragma of options.sqlitePragmas ?? []) args.push('--sqlite-pragma', pragma);
  args.push('--log-level', options.logLevel ?? 'warn');
  return args;
}

/** Starts `temporal server start-dev` and resolves once `temporal operator cluster health` answers. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const address = `${HOST}:${options.port}`;
  const uiUrl = `http://${HOST}:${options.uiPort}`;
  options.log(`Temporal: starting dev server on ${address} (UI ${uiUrl}${options.dbFilename ? `, data ${options.dbFilename}` : ', in memory'})`);
  const writeLine = options.writeLine ?? ((line: string) => process.stdout.write(`${line}\n`));
  let stopping = false;
  // One made before Vigil kept it private; a new one is made by the server, so is seen to once it is up.
  if (options.dbFilename) await keepSqliteOwnerOnly(options.dbFilename);
  const child = await spawnManaged({
    name: 'temporal',
    command: options.cliPath,
    args: temporalDevServerArgs(options),
    // Its graceful shutdown logs a burst of "failed to poll" warnings that mean nothing here.
    writeLine: (line) => stopping || writeLine(line),
  });
  let exitInfo: ExitInfo | undefined;
  void child.exited.then((info) => (exitInfo = info));
  try {
    await waitUntil(
      () => commandSucceeds(options.cliPath, ['operator', 'cluster', 'health', '--address', address], { timeoutMs: 5000 }),
      {
        description: `Temporal at ${address}`,
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        intervalMs: 250,
        signal: options.signal,
        failFast: () => (exitInfo ? new Error(`temporal dev server ${describeExit(exitInfo)} while starting`) : undefined),
      },
    );
    if (options.dbFilename) await keepSqliteOwnerOnly(options.dbFilename);
  } catch (err) {
    await child.stop();
    throw options.signal?.aborted ? abortError(options.signal) : err;
  }
  options.log(`Temporal: ready on ${address}`);
  return {
    address,
    uiUrl,
    pid: child.pid,
    exited: child.exited,
    stop: async () => {
      stopping = true;
      await child.stop(10_000);
    },
  };
}
