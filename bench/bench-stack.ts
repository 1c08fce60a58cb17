import { join, resolve } from 'node:path';
import { envSchema, VigilConfig } from '../libs/config';
import { generateApiKey } from '../libs/persistence';
import {
  appNodeArgs,
  FAST_SQLITE_PRAGMAS,
  findFreePort,
  locateTemporalCli,
  migrateWithAppRole,
  spawnManaged,
  startPostgresCluster,
  startTemporalDevServer,
  supervisedPostgres,
  supervisedProcess,
  supervisedTemporal,
  Supervisor,
  type VigilApp,
  vigilCacheDir,
  waitForHttpOk,
} from '../libs/dev-stack';
import type { ChildOutput } from './child-output';
import { log } from './log';

// Compiled to dist/bench/bench-stack.js.
const REPO_ROOT = resolve(__dirname, '..', '..');
const NAMESPACE = 'default';
/** The env schema's variables that place the stack; the bench sets them, whatever the caller's shell holds. */
const PLACEMENT = ['DATABASE_URL', 'DATABASE_OWNER_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_UI_URL', 'PORT', 'HOST', 'PUBLIC_URL', 'LOG_LEVEL', 'VIGIL_ADMIN_API_KEY'];

export interface BenchStack {
  apiUrl: string;
  adminKey: string;
  ownerUrl: string;
  temporalAddress: string;
  namespace: string;
  /** Root pid of each of the stack's processes (PostgreSQL's postmaster, Temporal, worker, API). */
  pids: Record<string, number[]>;
  /** The env schema's tuning knobs (VIGIL_*) passed on from the caller's environment. */
  knobs: Record<string, string>;
  /** The configuration the worker and API run with (parsed from the same environment). */
  vigilConfig: VigilConfig;
}

/**
 * The whole stack in `root` (a fresh temp folder the caller removes), started the way `npm start` does (PostgreSQL,
 * migrations, app role, Temporal dev server on a SQLite file with the same pragmas, worker and
 * API as child processes) on free ports. Everything is registered with `supervisor`, which stops it.
 */
export async function startBenchStack(root: string, supervisor: Supervisor, output: ChildOutput, signal: AbortSignal): Promise<BenchStack> {
  const pids: Record<string, number[]> = {};

  const [cliPath, cluster] = await Promise.all([
    locateTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH || undefined, cacheDir: vigilCacheDir(process.env), env: process.env, log }),
    startPostgresCluster({ dataDir: join(root, 'postgres'), port: await findFreePort(), log }),
  ]);
  const postmaster = cluster.pid;
  if (postmaster) pids.postgres = [postmaster];
  supervisor.add(supervisedPostgres(cluster));
  const appUrl = await migrateWithAppRole(cluster.ownerUrl, log);
  signal.throwIfAborted();

  const temporal = await startTemporalDevServer({
    cliPath,
    port: await findFreePort(),
    uiPort: await findFreePort(),
    dbFilename: join(root, 'temporal.sqlite'),
    namespace: NAMESPACE,
    sqlitePragmas: FAST_SQLITE_PRAGMAS,
    signal,
    log,
    writeLine: output.writer('temporal'),
  });
  pids.temporal = [temporal.pid];
  supervisor.add(supervisedTemporal(temporal));
  signal.throwIfAborted();

  const adminKey = generateApiKey();
  const apiPort = await findFreePort();
  const knobs = tuningKnobs(process.env);
  const env: NodeJS.ProcessEnv = {
    ...withoutPlacement(process.env),
    ...knobs,
    DATABASE_URL: appUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_UI_URL: temporal.uiUrl,
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    VIGIL_ADMIN_API_KEY: adminKey,
    LOG_LEVEL: 'warn',
  };
  pids.worker = [await startApp('worker', env, supervisor, output)];
  signal.throwIfAborted();
  pids.api = [await startApp('api', env, supervisor, output)];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitForHttpOk(`${apiUrl}/health/ready`, { timeoutMs: 120_000, signal });
  log(`stack ready in ${root} (API ${apiUrl}, Temporal ${temporal.address})`);
  const vigilConfig = VigilConfig.fromEnv(env);
  return { apiUrl, adminKey, ownerUrl: cluster.ownerUrl, temporalAddress: temporal.address, namespace: NAMESPACE, pids, knobs, vigilConfig };
}

async function startApp(name: VigilApp, env: NodeJS.ProcessEnv, supervisor: Supervisor, output: ChildOutput): Promise<number> {
  const child = await spawnManaged({ name, command: process.execPath, args: appNodeArgs(REPO_ROOT, name), env, defaultKillAfterMs: 15_000, writeLine: output.writer(name) });
  supervisor.add(supervisedProcess(child));
  return child.pid;
}

/** The caller's VIGIL_* tuning variables that the env schema documents (pool size, outbox concurrency, ...). */
function tuningKnobs(env: NodeJS.ProcessEnv): Record<string, string> {
  const knobs: Record<string, string> = {};
  for (const name of Object.keys(envSchema.shape)) {
    const value = env[name];
    if (name.startsWith('VIGIL_') && !PLACEMENT.includes(name) && value !== undefined && value !== '') knobs[name] = value;
  }
  return knobs;
}

function withoutPlacement(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of Object.keys(envSchema.shape)) delete copy[name];
  return copy;
}
