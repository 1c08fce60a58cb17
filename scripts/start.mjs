// `npm start`: install if needed, refuse early on a bad setting or a data folder another stack holds, build (unless
// dist/ is as new as the sources), then
// run the stack orchestrator (dist/tools/stack.js), passing Ctrl-C / SIGTERM on to it and exiting
// with its exit code.
// Plain Node, no dependencies: it runs before anything is installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureInstall } from './ensure-install.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function npmCommand(args) {
  return process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath, ...args]] : ['npm', args];
}

// tools/first-look.ts: a bad setting, or a data folder another stack holds. Only with a dist/ built
// before (and the settings only by one as new as the sources): the stack checks again, and its own
// lock decides in the end.
const REFUSED_EXIT_CODE = 3;
const PARENT_CHECK_MS = 1000;

// What the build is made from: a build older than any of it may not know a setting the sources accept.
const BUILD_SOURCES = ['apps', 'libs', 'tools', 'workflows', 'migrations', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
// `npm run build` writes it last: a build cut short leaves it older than the sources it was made for.
const BUILD_LAST_OUTPUT = join(repoRoot, 'dist', 'workflow-bundle.js');

function newestSourceMs() {
  let newest = 0;
  for (const source of BUILD_SOURCES) {
    const path = join(repoRoot, source);
    if (!existsSync(path)) continue;
    const files = statSync(path).isDirectory() ? readdirSync(path, { recursive: true }).map((file) => join(path, String(file))) : [path];
    for (const file of files) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

function refuseEarly(sourcesMs) {
  const check = join(repoRoot, 'dist', 'tools', 'first-look.js');
  if (!existsSync(check)) return;
  // The settings only by a build as new as the sources; the data folder by any.
  const args = statSync(check).mtimeMs >= sourcesMs ? [check, '--settings'] : [check];
  const result = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status === REFUSED_EXIT_CODE) process.exit(1);
}

/** A build as new as the sources is kept: starting is quicker, and a stack running from this checkout keeps its code as it is. */
function buildIsCurrent(sourcesMs) {
  return existsSync(BUILD_LAST_OUTPUT) && existsSync(join(repoRoot, 'dist', 'tools', 'stack.js')) && statSync(BUILD_LAST_OUTPUT).mtimeMs >= sourcesMs;
}

function build() {
  console.log('[start] npm run build');
  const [command, args] = npmCommand(['run', 'build']);
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`the build failed (exit code ${result.status ?? result.signal})`);
}

function runStack() {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'tools', 'stack.js')], { cwd: repoRoot, stdio: 'inherit' });
  const stop = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  // The orchestrator shares our process group, so a terminal Ctrl-C reaches it directly as well;
  // it ignores the duplicate. Forwarding covers `kill <this pid>` and npm's own forwarding, which
  // reaches this process because the start script `exec`s it (else /bin/sh would sit between, and
  // dash passes no SIGINT on and dies of a SIGTERM, leaving the stack running).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal));
  // npm killed outright (`kill -9`, a job runner's timeout): nobody would ever stop the stack.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop('SIGTERM'), PARENT_CHECK_MS).unref();
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

try {
  ensureInstall();
  const sourcesMs = newestSourceMs();
  refuseEarly(sourcesMs);
  if (buildIsCurrent(sourcesMs)) console.log('[start] the build in dist/ is as new as the sources');
  else build();
  runStack();
} catch (err) {
  console.error(`[start] ${err.message}`);
  process.exit(1);
}
