import { resolve } from 'node:path';

/**
 * A path from the user's environment, made absolute: a relative one is taken from where they typed
 * the command (npm runs scripts from the package root, and names the user's folder in INIT_CWD).
 */
export function userPath(env: NodeJS.ProcessEnv, path: string): string {
  return resolve(env.INIT_CWD || process.cwd(), path);
}
