import { join } from 'node:path';
import { postgresUrl } from '../../config';
import { migrationLoginOf, type MigrationLogin } from './migrations';
import { vigilCacheDir } from './temporal-cli-cache';
import { userPath } from './user-path';

/** What `npm start` runs, read from the environment the entry point passes in. */
export interface StackSettings {
  dataDir: string;
  cacheDir: string;
  temporalCliPath?: string;
  /** Set: use this PostgreSQL as is. Unset: start the embedded one. */
  externalDatabase?: { url: string; ownerUrl: string; ownerSetting: MigrationLogin };
  postgresPort?: number;
  /** Set: use this Temporal (`uiUrlGuessed`: TEMPORAL_UI_URL is not set, so the links point at a local dev server's UI). Unset: start the dev server. */
  externalTemporal?: { address: string; uiUrl: string; uiUrlGuessed: boolean };
  temporalPort?: number;
  temporalUiPort?: number;
  temporalNamespace: string;
  apiPort?: number;
  /** The API's bind address: this machine only unless HOST says otherwise. */
  apiHost: string;
  adminApiKey?: string;
}

export const STACK_DEFAULT_PORTS = { postgres: 5433, temporal: 7233, temporalUi: 8233, api: 3000 } as const;

export function readStackSettings(env: NodeJS.ProcessEnv, repoRoot: string): StackSettings {
  // The apps' settings are checked with theirs (VigilConfig); this one only npm start and the migrations read.
  const owner = env.DATABASE_OWNER_URL ? postgresUrl.safeParse(env.DATABASE_OWNER_URL) : undefined;
  if (owner && !owner.success) throw new Error(`invalid configuration: DATABASE_OWNER_URL: ${owner.error.issues[0].message}`);
  const ownerSetting = migrationLoginOf(env);
  return {
    dataDir: env.VIGIL_DATA_DIR ? userPath(env, env.VIGIL_DATA_DIR) : join(repoRoot, '.vigil'),
    cacheDir: vigilCacheDir(env),
    temporalCliPath: env.TEMPORAL_CLI_PATH ? userPath(env, env.TEMPORAL_CLI_PATH) : undefined,
    externalDatabase: env.DATABASE_URL ? { url: env.DATABASE_URL, ownerUrl: env[ownerSetting] ?? env.DATABASE_URL, ownerSetting } : undefined,
    postgresPort: optionalPort(env, 'VIGIL_PG_PORT'),
    externalTemporal: env.TEMPORAL_ADDRESS
      ? { address: env.TEMPORAL_ADDRESS, uiUrl: env.TEMPORAL_UI_URL || `http://127.0.0.1:${STACK_DEFAULT_PORTS.temporalUi}`, uiUrlGuessed: !env.TEMPORAL_UI_URL }
      : undefined,
    temporalPort: optionalPort(env, 'VIGIL_TEMPORAL_PORT'),
    temporalUiPort: optionalPort(env, 'VIGIL_TEMPORAL_UI_PORT'),
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    apiPort: optionalPort(env, 'PORT'),
    // A development stack answers this machine only, as its PostgreSQL and Temporal do.
    apiHost: env.HOST || '127.0.0.1',
    adminApiKey: env.VIGIL_ADMIN_API_KEY || undefined,
  };
}

/** Where the API bound to `host` is reached from this machine: loopback for a wildcard address. */
export function localApiUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::') return `http://127.0.0.1:${port}`;
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

function optionalPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  // Digits only: Number() would also take 0x10, 1e3 and spaces, and quietly move the port.
  const port = /^[0-9]{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw} is not a TCP port`);
  return port;
}
