// Installs dependencies when node_modules is missing or older than package.json / package-lock.json.
// Plain Node, no dependencies: it runs before anything is installed.
// `npm ci` cannot be used here: the registry lacks other platforms' optional builds, so the lockfile never matches.
import { spawnSync } from 'node:child_process';
import { statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const installedMarker = join(repoRoot, 'node_modules', '.package-lock.json');

function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

export function installIsStale() {
  const installedAt = mtimeOf(installedMarker);
  if (installedAt === undefined) return 'node_modules is missing';
  for (const file of ['package.json', 'package-lock.json']) {
    const changedAt = mtimeOf(join(repoRoot, file));
    if (changedAt !== undefined && changedAt > installedAt) return `${file} changed since the last install`;
  }
  return undefined;
}

export function ensureInstall() {
  const reason = installIsStale();
  if (!reason) return;
  console.log(`[ensure-install] ${reason}: npm install --no-audit --no-fund`);
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  const result = spawnSync(npm[0], [...npm[1], 'install', '--no-audit', '--no-fund'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`npm install failed (${result.error?.message ?? `exit code ${result.status ?? result.signal}`})`);
  }
  // npm leaves the marker alone when nothing changed; touch it so the next check passes.
  const now = new Date();
  utimesSync(installedMarker, now, now);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    ensureInstall();
  } catch (err) {
    console.error(`[ensure-install] ${err.message}`);
    process.exit(1);
  }
}
