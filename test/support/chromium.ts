import { findOnPath, isExecutableFile, runCommand, type Log } from '../../libs/dev-stack';

/** Debian's package; playwright-core drives it (its own browser download needs the internet). */
const DEBIAN_PACKAGE = 'chromium';
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/**
 * The Chromium the browser tests drive: `CHROMIUM_PATH`, else `chromium` on PATH, else (as root on
 * Debian, as CI runs) Debian's package, installed once per machine like the Temporal CLI.
 */
export async function locateChromium(env: NodeJS.ProcessEnv, log: Log): Promise<string> {
  if (env.CHROMIUM_PATH) {
    if (!(await isExecutableFile(env.CHROMIUM_PATH))) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file`);
    return env.CHROMIUM_PATH;
  }
  const onPath = await findOnPath('chromium', env.PATH);
  if (onPath) return onPath;
  const aptGet = await findOnPath('apt-get', env.PATH);
  if (!aptGet || process.getuid?.() !== 0) {
    throw new Error('the browser tests need Chromium: install Debian\'s `chromium` package (or run the tests as root, which installs it), or set CHROMIUM_PATH');
  }
  log(`Chromium: installing Debian's ${DEBIAN_PACKAGE} package (once per machine)`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  await runCommand(aptGet, ['update', '-qq'], { env: aptEnv, timeoutMs: INSTALL_TIMEOUT_MS });
  await runCommand(aptGet, ['install', '-y', '-qq', DEBIAN_PACKAGE], { env: aptEnv, timeoutMs: INSTALL_TIMEOUT_MS });
  const installed = await findOnPath('chromium', env.PATH);
  if (!installed) throw new Error(`apt-get installed ${DEBIAN_PACKAGE}, but there is no chromium on PATH`);
  return installed;
}
