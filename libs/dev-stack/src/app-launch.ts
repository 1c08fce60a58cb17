import { join } from 'node:path';

export type VigilApp = 'api' | 'worker';

/**
 * The API gets a 32–64 MB young generation (V8's default tops out at 16 MB): an intake request's
 * objects live for one group-commit cycle, about 10 ms, and with the default too many of them
 * were promoted and left to full collections. Measured at a fixed 3,000 duplicates/s: 0.13–0.16 ms
 * of API CPU per request instead of 0.16. Run the API elsewhere with the same flags (see README).
 */
const API_V8_FLAGS: readonly string[] = ['--max-semi-space-size=64', '--min-semi-space-size=32'];

/** Node's arguments for an app: its V8 flags, then its built entry point under the repository's `dist/`. */
export function appNodeArgs(repoRoot: string, app: VigilApp): string[] {
  const flags = app === 'api' ? API_V8_FLAGS : [];
  return [...flags, join(repoRoot, 'dist', 'apps', app, 'src', 'main.js')];
}
