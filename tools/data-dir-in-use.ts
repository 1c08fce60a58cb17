import { resolve } from 'node:path';
import { dataDirInUse, readStackSettings } from '../libs/dev-stack';

/**
 * Run by `npm start` before it rebuilds `dist/`: exits DATA_DIR_IN_USE_EXIT_CODE, with the reason,
 * when another stack holds the data folder, so that a second start neither rebuilds the running
 * stack's code nor waits for a build only to be refused.
 */
const DATA_DIR_IN_USE_EXIT_CODE = 3;

// Compiled to dist/tools/data-dir-in-use.js.
const REPO_ROOT = resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const reason = await dataDirInUse(readStackSettings(process.env, REPO_ROOT).dataDir);
  if (!reason) return;
  console.error(`[stack] ${reason}`);
  process.exitCode = DATA_DIR_IN_USE_EXIT_CODE;
}

// Only a first look: on any other trouble (bad settings, say) the stack itself reports it.
main().catch(() => undefined);
