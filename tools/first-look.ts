import { resolve } from 'node:path';
import { dataDirInUse, explainStackFailure, readStackSettings } from '../libs/dev-stack';
import { checkAppSettings } from './app-settings';

/**
 * Run by `npm start` before it rebuilds `dist/` (when a build is there already): exits
 * REFUSED_EXIT_CODE, with the reason, when another stack holds the data folder or (with
 * `--settings`, given when this build is as new as the sources) a setting is bad, so that such a
 * start neither rebuilds a running stack's code nor waits for a build only to be refused. An older
 * build may not know a setting the sources accept, so it leaves them to the stack, which checks all
 * of it again (and its lock decides).
 */
const REFUSED_EXIT_CODE = 3;

// Compiled to dist/tools/first-look.js.
const REPO_ROOT = resolve(__dirname, '..', '..');

async function main(): Promise<string | undefined> {
  let settings;
  try {
    settings = readStackSettings(process.env, REPO_ROOT);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (process.argv.includes('--settings')) {
    try {
      checkAppSettings(settings);
    } catch (error) {
      return explainStackFailure(error, settings.dataDir);
    }
  }
  return dataDirInUse(settings.dataDir);
}

// Only a first look: on any other trouble the stack itself reports it.
main().then(
  (reason) => {
    if (!reason) return;
    console.error(`[stack] ${reason}`);
    process.exitCode = REFUSED_EXIT_CODE;
  },
  () => undefined,
);
