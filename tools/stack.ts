import { join, resolve } from 'node:path';
import {
  adminApiKeyShown,
  adminKeyNotice,
  appNodeArgs,
  chooseStackPorts,
  type ChosenPort,
  type PortWish,
  stackPortWishes,
  type StackServer,
  type DataDirLock,
  decideAdminApiKey,
  describeExit,
  explainMigrationFailure,
  explainStackFailure,
  FAST_SQLITE_PRAGMAS,
  hasActiveAdminApiKey,
  localApiUrl,
  locateTemporalCli,
  lockDataDir,
  type ManagedProcess,
  migrateWithAppRole,
  readStackSettings,
  runMigrations,
  spawnManaged,
  stackBanner,
  type StackSettings,
  type StackUrls,
  startPostgresCluster,
  startTemporalDevServer,
  supervisedPostgres,
  supervisedProcess,
  supervisedTemporal,
  Supervisor,
  type VigilApp,
  waitForHttpOk,
} from '../libs/dev-stack';
import { checkAppSettings } from './app-settings';

/** `npm start`: PostgreSQL, Temporal, the worker and the API, stopped in reverse order on Ctrl-C. */

// Compiled to dist/tools/stack.js.
const REPO_ROOT = resolve(__dirname, '..', '..');
const API_READY_TIMEOUT_MS = 120_000;

const log = (message: string): void => console.log(`[stack] ${message}`);

class ShutdownRequested extends Error {}

interface Database {
  appUrl: string;
  ownerUrl: string;
  postgresLog?: string;
}

interface Temporal {
  address: string;
  uiUrl: string;
}

async function startDatabase(settings: StackSettings, ports: StackPorts, supervisor: Supervisor, lock: DataDirLock): Promise<Database> {
  if (settings.externalDatabase) {
    log('PostgreSQL: using DATABASE_URL');
    const { ownerUrl, ownerSetting } = settings.externalDatabase;
    await runMigrations(ownerUrl, log).catch((error: unknown) => {
      throw explainMigrationFailure(error, ownerSetting);
    });
    return { appUrl: settings.externalDatabase.url, ownerUrl: settings.externalDatabase.ownerUrl };
  }
  const cluster = await startPostgresCluster({ dataDir: join(settings.dataDir, 'postgres'), port: ports.postgres!.port, log });
  const pid = cluster.pid;
  // SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
  supervisor.add(supervisedPostgres(cluster));
  if (pid) await lock.recordChild('postgres', pid, 'SIGINT');
  return { appUrl: await migrateWithAppRole(cluster.ownerUrl, log), ownerUrl: cluster.ownerUrl, postgresLog: cluster.logFile };
}

/** The Temporal that TEMPORAL_ADDRESS names, or the CLI to run the dev server with. */
type TemporalPlan = { external: Temporal } | { cliPath: string };

async function planTemporal(settings: StackSettings): Promise<TemporalPlan> {
  if (settings.externalTemporal) return { external: settings.externalTemporal };
  return { cliPath: await locateTemporalCli({ explicitPath: settings.temporalCliPath, cacheDir: settings.cacheDir, env: process.env, log }) };
}

async function startTemporal(plan: TemporalPlan, settings: StackSettings, ports: StackPorts, supervisor: Supervisor, lock: DataDirLock, signal: AbortSignal): Promise<Temporal> {
  if ('external' in plan) {
    log(`Temporal: using TEMPORAL_ADDRESS=${plan.external.address}`);
    return plan.external;
  }
  const server = await startTemporalDevServer({
    cliPath: plan.cliPath,
    port: ports.temporal!.port,
    uiPort: ports.temporalUi!.port,
    dbFilename: join(settings.dataDir, 'temporal.sqlite'),
    namespace: settings.temporalNamespace,
    sqlitePragmas: FAST_SQLITE_PRAGMAS,
    signal,
    log,
  });
  supervisor.add(supervisedTemporal(server));
  await lock.recordChild('temporal', server.pid);
  return { address: server.address, uiUrl: server.uiUrl };
}

async function startApp(name: VigilApp, env: NodeJS.ProcessEnv, supervisor: Supervisor, lock: DataDirLock): Promise<ManagedProcess> {
  const args = appNodeArgs(REPO_ROOT, name);
  log(`${name}: starting node ${args.join(' ')}`);
  // Generous grace: the worker drains its in-flight activities, the API its requests and outbox.
  const child = await spawnManaged({ name, command: process.execPath, args, env, cwd: REPO_ROOT, defaultKillAfterMs: 30_000 });
  supervisor.add(supervisedProcess(child));
  await lock.recordChild(name, child.pid);
  return child;
}

type StackPorts = Partial<Record<StackServer, ChosenPort>>;

/**
 * The ports of the servers this stack starts, checked before any starts: a port in use, one set for
 * two servers, or a HOST this machine does not have would otherwise be found only once the servers
 * before it were up (or not at all: another stack's Temporal would answer for this one's).
 */
async function choosePorts(settings: StackSettings): Promise<StackPorts> {
  const wishes = stackPortWishes(settings);
  const ports = await chooseStackPorts(wishes);
  const labels: Record<keyof StackPorts, string> = { api: 'API', postgres: 'PostgreSQL', temporal: 'Temporal', temporalUi: 'Temporal UI' };
  for (const [key, wish] of Object.entries(wishes) as Array<[keyof StackPorts, PortWish]>) {
    const choice = ports[key];
    if (choice?.substituted) log(`${labels[key]}: port ${wish.fallback} is taken, using ${choice.port} (set ${wish.setting} to choose)`);
  }
  return ports;
}

async function bringUp(settings: StackSettings, supervisor: Supervisor, lock: DataDirLock, signal: AbortSignal): Promise<StackUrls> {
  const ports = await choosePorts(settings);
  const apiPort = ports.api!.port;
  // Before PostgreSQL starts: a TEMPORAL_CLI_PATH that is no binary, or a failed install, then leaves nothing to stop.
  const temporalPlan = await planTemporal(settings);
  signal.throwIfAborted();
  const database = await startDatabase(settings, ports, supervisor, lock);
  signal.throwIfAborted();
  const unshownKeyFile = join(settings.dataDir, 'unshown-admin-api-key');
  const adminKey = await decideAdminApiKey(settings.adminApiKey, unshownKeyFile, () => hasActiveAdminApiKey(database.ownerUrl));
  const temporal = await startTemporal(temporalPlan, settings, ports, supervisor, lock, signal);
  signal.throwIfAborted();

  // The apps get only their own login (a member of vigil_app), never the owner that could rewrite the audit log.
  const { DATABASE_OWNER_URL: _owner, VIGIL_ADMIN_API_KEY: _key, ...inherited } = process.env;
  const appEnv: NodeJS.ProcessEnv = {
    ...inherited,
    DATABASE_URL: database.appUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: settings.temporalNamespace,
    TEMPORAL_UI_URL: temporal.uiUrl,
    PORT: String(apiPort),
    HOST: settings.apiHost,
  };
  // Only the API stores the admin key; the worker has no use for it.
  await startApp('worker', appEnv, supervisor, lock);
  signal.throwIfAborted();
  const api = await startApp('api', { ...appEnv, VIGIL_ADMIN_API_KEY: adminKey.key }, supervisor, lock);
  const apiUrl = localApiUrl(settings.apiHost, apiPort);
  let apiExit: string | undefined;
  void api.exited.then((info) => (apiExit = describeExit(info)));
  await waitForHttpOk(`${apiUrl}/health/ready`, {
    timeoutMs: API_READY_TIMEOUT_MS,
    signal,
    failFast: () => (apiExit ? new Error(`api ${apiExit} before it was ready`) : undefined),
  });
  if (adminKey.generated && adminKey.key) {
    console.log(adminKeyNotice(adminKey.key));
    await adminApiKeyShown(unshownKeyFile);
  }
  return { apiUrl, temporalAddress: temporal.address, temporalUiUrl: settings.externalTemporal?.uiUrlGuessed ? `${temporal.uiUrl}  (TEMPORAL_UI_URL is not set: set it to your cluster's UI, for the links Vigil hands out)` : temporal.uiUrl, databaseUrl: database.appUrl, dataDir: settings.dataDir, postgresLog: database.postgresLog };
}

function stopOnSignals(abort: AbortController): void {
  // The terminal, npm and scripts/start.mjs may each deliver the same Ctrl-C: act on the first.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) return;
    log(`${signal} received, stopping`);
    abort.abort(new ShutdownRequested(signal));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

function whenAborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => (signal.aborted ? resolve(signal.reason) : signal.addEventListener('abort', () => resolve(signal.reason), { once: true })));
}

async function main(settings: StackSettings): Promise<number> {
  const abort = new AbortController();
  stopOnSignals(abort);
  const supervisor = new Supervisor(log);
  void supervisor.unexpectedExit.then((error) => abort.signal.aborted || abort.abort(error));
  process.on('exit', () => supervisor.killRemainingNow());

  const lock = await lockDataDir(settings.dataDir, log);
  let exitCode = 0;
  try {
    console.log(stackBanner(await bringUp(settings, supervisor, lock, abort.signal)));
    await whenAborted(abort.signal);
  } catch (err) {
    if (!abort.signal.aborted) abort.abort(err);
  }
  const reason: unknown = abort.signal.reason;
  if (!(reason instanceof ShutdownRequested)) {
    exitCode = 1;
    console.error(`[stack] ${supervisor.startedAny ? 'stopping everything' : 'cannot start'}: ${explainStackFailure(reason, settings.dataDir)}`);
  }
  await supervisor.stopAll();
  await lock.release();
  log(exitCode === 0 ? 'stopped' : 'stopped after a failure');
  return exitCode;
}

async function run(): Promise<number> {
  const settings = readStackSettings(process.env, REPO_ROOT);
  try {
    checkAppSettings(settings);
    return await main(settings);
  } catch (err) {
    console.error(`[stack] ${explainStackFailure(err, settings.dataDir)}`);
    return 1;
  }
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[stack] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
