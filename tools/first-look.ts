import { resolve } from 'node:path';
import { checkDataDirWritable, chooseStackPorts, dataDirInUse, explainStackFailure, locateTemporalCli, readStackSettings, stackPortWishes } from '../libs/dev-stack';
import { checkAppSettings } from './app-settings';

/**
 * Run by `npm start` before it rebuilds `dist/` (when a build is there already): exits
 * REFUSED_EXIT_CODE, with the reason, when another stack holds the data folder or (with
 * `--settings`, given when this build is as new as the sources) a setting is bad (an app setting,
 * a port in use or a HOST this machine lacks, a TEMPORAL_CLI_PATH that is no binary, a data folder
 * that cannot be made or written), so that such a
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
  // First: the ports of a stack running on this folder are in use, but that is not what to say.
  const inUse = await dataDirInUse(settings.dataDir);
  if (inUse || !process.argv.includes('--settings')) return inUse;
  try {
    checkAppSettings(settings);
  } catch (error) {
    return explainStackFailure(error, settings.dataDir);
  }
  // In the stack's own words when it finds them.
  try {
    await checkDataDirWritable(settings.dataDir);
    await chooseStackPorts(stackPortWishes(settings));
    if (settings.temporalCliPath && !settings.externalTemporal) await locateTemporalCli({ explicitPath: settings.temporalCliPath, cacheDir: settings.cacheDir, env: process.env, log: () => undefined });
  } catch (error) {
    return `cannot start: ${explainStackFailure(error, settings.dataDir)}`;
  }
  return undefined;
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
