import { mkdir, readdir, realpath, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadEmbeddedPostgres, loadPostgresBinaries } from './embedded-postgres';
import type { Log } from './log';
import { isDataDir, pgCtlIsRunning, pgCtlStart, pgCtlStop, postmasterPid, type PgCtlTarget } from './pg-ctl';
import { newSuperuserCredentials, readPostgresCredentials, writePostgresCredentials, type PostgresCredentials } from './postgres-credentials';
import { postgresOsUser, runsAsRoot } from './postgres-os-user';
import { postgresUrl } from './postgres-url';
import { childProcessesOf, isProcessAlive, processesWorkingIn, signalProcess, workingFolderOf } from './process-alive';
import type { SupervisedComponent } from './supervisor';
import { letOthersTraverse } from './traversable-path';
import { waitUntil } from './wait';

export interface PostgresClusterOptions {
  /** The data folder (PGDATA); created and initialised on first use, reused after. */
  dataDir: string;
  port: number;
  /** The database Vigil uses; created if missing. */
  database?: string;
  /** Extra server settings, e.g. `{ fsync: 'off' }` for throwaway test clusters. */
  settings?: Readonly<Record<string, string>>;
  /** Extra initdb flags for a new cluster, e.g. `--no-sync` for throwaway ones. */
  initdbFlags?: readonly string[];
  log: Log;
}

/**
 * How a supervisor watches and stops a cluster: `pg_ctl stop` (fast shutdown), and when that
 * fails, PostgreSQL's immediate shutdown (SIGQUIT, recovered from at the next start) sent to the
 * postmaster and its backends, each woken first (SIGCONT) in case they were stopped: a stopped
 * (SIGSTOP) server would otherwise outlive the stack and hold its port and data folder.
 */
export function supervisedPostgres(cluster: PostgresCluster): SupervisedComponent {
  const pid = cluster.pid;
  return {
    name: 'PostgreSQL',
    exited: cluster.exited.then(() => 'stopped'),
    stop: () => cluster.stop(),
    killNow: () => {
      if (!pid) return;
      for (const member of [pid, ...childProcessesOf(pid)]) {
        signalProcess(member, 'SIGCONT');
        signalProcess(member, 'SIGQUIT');
      }
    },
  };
}

export interface PostgresCluster {
  readonly dataDir: string;
  readonly port: number;
  /** The superuser, which owns the schema and runs migrations. */
  readonly ownerUrl: string;
  readonly superuserPassword: string;
  readonly logFile: string;
  /** The postmaster's pid. */
  readonly pid: number | undefined;
  /** What `pg_ctl` needs to stop or start this cluster from another process. */
  readonly pgCtl: PgCtlTarget;
  /** Settles when the server is gone, stopped or crashed (polled every second). */
  readonly exited: Promise<void>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const LOG_FILE = 'vigil-postgres.log';

/** Starts a real PostgreSQL from embedded-postgres's binaries, initialising the data folder first if it is new. */
export async function startPostgresCluster(options: PostgresClusterOptions): Promise<PostgresCluster> {
  const { dataDir, port, log } = options;
  const database = options.database ?? 'vigil';
  const binaries = await loadPostgresBinaries();
  // As root, PostgreSQL runs as the postgres OS user, which must reach the programs too (a checkout in /root).
  if (runsAsRoot()) await letOthersTraverse(binaries.initdb, log);
  const credentials = await ensureInitialised(options);
  const pgCtl: PgCtlTarget = { pgCtlPath: binaries.pg_ctl, dataDir, osUser: await postgresOsUser() };

  await clearTheWay(pgCtl, log);
  const logFile = join(dataDir, LOG_FILE);
  log(`PostgreSQL: starting on ${HOST}:${port} (data ${dataDir}, log ${logFile})`);
  const serverUrl = postgresUrl({ ...credentials, host: HOST, port, database: 'postgres' });
  let pid: number | undefined;
  try {
    // Inside: pg_ctl may give up waiting while the server goes on starting.
    await pgCtlStart(pgCtl, { port, logFile, settings: options.settings });
    await waitUntil(() => canConnect(serverUrl), { description: `PostgreSQL on ${HOST}:${port}`, timeoutMs: 30_000, intervalMs: 100 });
    await ensureDatabase(serverUrl, database);
    pid = await postmasterPid(dataDir);
  } catch (err) {
    await pgCtlStop(pgCtl, 'immediate').catch(() => undefined);
    throw err;
  }
  const watcher = watchUntilGone(pid);
  return {
    dataDir,
    port,
    ownerUrl: postgresUrl({ ...credentials, host: HOST, port, database }),
    superuserPassword: credentials.password,
    logFile,
    pid,
    pgCtl,
    exited: watcher.gone,
    stop: async () => {
      log(`PostgreSQL: stopping ${dataDir}`);
      await pgCtlStop(pgCtl);
      watcher.cancel();
    },
  };
}

async function ensureInitialised({ dataDir, port, initdbFlags = [], log }: PostgresClusterOptions): Promise<PostgresCredentials> {
  const existing = await readPostgresCredentials(dataDir);
  if (existing) return existing;
  if (await isDataDir(dataDir)) {
    throw new Error(`${dataDir} holds a PostgreSQL cluster without Vigil's credentials file; delete the folder (its data is lost) or point the data dir elsewhere`);
  }
  if (!(await isEmptyOrMissing(dataDir))) throw new Error(`${dataDir} is not empty and not a PostgreSQL data folder`);

  log(`PostgreSQL: initialising a new cluster in ${dataDir}`);
  const credentials = newSuperuserCredentials();
  await mkdir(dataDir, { recursive: true });
  if (runsAsRoot()) await letOthersTraverse(dataDir, log);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const initdbOutput: string[] = [];
  await new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...initdbFlags],
    createPostgresUser: runsAsRoot(),
    onLog: (message) => initdbOutput.push(message),
    onError: (error) => log(`PostgreSQL: ${error instanceof Error ? error.message : String(error)}`),
  })
    .initialise()
    .catch((err: unknown) => {
      log(initdbOutput.join(''));
      if (String(err).includes('Permission denied')) {
        throw new Error(`${String(err)} (PostgreSQL runs as the \`postgres\` OS user here: every folder above ${dataDir} and above PostgreSQL's programs must let it through)`);
      }
      throw err;
    });
  await writePostgresCredentials(dataDir, credentials);
  return credentials;
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/** True once the server at `url` answers a query (pg throws while it cannot). */
export async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

function watchUntilGone(pid: number | undefined): { gone: Promise<void>; cancel(): void } {
  let settle: () => void = () => undefined;
  const gone = new Promise<void>((resolve) => (settle = resolve));
  const finish = (): void => {
    clearInterval(timer);
    settle();
  };
  const timer = setInterval(() => {
    if (pid === undefined || !isProcessAlive(pid)) finish();
  }, 1000);
  timer.unref();
  return { gone, cancel: finish };
}

/** Stops a server an earlier run left running on the data folder, or sets aside the pid file of one killed outright. */
export async function clearTheWay(pgCtl: PgCtlTarget, log: Log): Promise<void> {
  if (!(await pgCtlIsRunning(pgCtl))) return;
  if (await pidFileIsStale(pgCtl.dataDir)) {
    await setStalePidFileAside(pgCtl.dataDir, log);
    return;
  }
  log(`PostgreSQL: a server left running on ${pgCtl.dataDir} (an earlier run that did not stop it); stopping it first`);
  await pgCtlStop(pgCtl);
}

/**
 * Whether postmaster.pid is left from a server killed outright (SIGKILL, OOM), though `pg_ctl` takes
 * it for a running one: its postmaster is a zombie not yet reaped (some container inits reap late),
 * or, on a busy machine, another program (another cluster's backend even) has its pid, which
 * `pg_ctl` would signal. A postmaster works in its data folder; where that cannot be read, a live
 * process is taken for the server.
 */
async function pidFileIsStale(dataDir: string): Promise<boolean> {
  const pid = await postmasterPid(dataDir);
  if (pid === undefined) return false;
  if (!isProcessAlive(pid)) return true;
  const folder = workingFolderOf(pid);
  return folder !== undefined && folder !== (await realpath(dataDir));
}

/** Moves a stale postmaster.pid aside, unless processes of the killed server still work in the folder. */
async function setStalePidFileAside(dataDir: string, log: Log): Promise<void> {
  const folder = await realpath(dataDir);
  const leftovers = processesWorkingIn(folder);
  if (leftovers.length > 0) {
    throw new Error(`postmaster.pid in ${dataDir} is left from a server that was killed, yet processes ${leftovers.join(', ')} still work in that folder: stop them, then start again`);
  }
  const pidFile = join(dataDir, 'postmaster.pid');
  log(`PostgreSQL: ${pidFile} is left from a server that was killed; starting afresh`);
  await rename(pidFile, `${pidFile}.stale`);
}
