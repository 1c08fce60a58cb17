import { join } from 'node:path';

export type VigilApp = 'api' | 'worker';

/** The built entry point of an app, under the repository's `dist/`. */
export function appEntry(repoRoot: string, app: VigilApp): string {
  return join(repoRoot, 'dist', 'apps', app, 'src', 'main.js');
}

/**
 * Node's arguments for an app. The API gets a 32–64 MB young generation (V8's default tops out
 * at 16 MB): an intake request's objects live for one group-commit cycle, about 10 ms, and with
 * the default young generation enough of them were alive at two scavenges in a row to be
 * promoted and left to full collections. Measured under duplicate load: about a tenth more
 * alerts per second. Run the API elsewhere with the same flags (see README).
 */
export function appNodeArgs(repoRoot: string, app: VigilApp): string[] {
  const flags = app === 'api' ? API_V8_FLAGS : [];
  return [...flags, appEntry(repoRoot, app)];
}

export const API_V8_FLAGS: readonly string[] = ['--max-semi-space-size=64', '--min-semi-space-size=32'];
