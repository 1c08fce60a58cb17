import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDirInUse, lockDataDir } from './data-dir-lock';

const quiet = () => undefined;

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

const onLinux = process.platform === 'linux' ? it : it.skip;

describe('the data folder lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Node's recursive mkdir under /proc never settles: the stack waited on it for good, deaf to Ctrl-C.
  onLinux('refuses a data folder under /proc before making it', async () => {
    await expect(lockDataDir('/proc/vigil', quiet)).rejects.toThrow("VIGIL_DATA_DIR=/proc/vigil is on the kernel's proc filesystem (at /proc), which keeps no files");
  }, 10_000);

  it('refuses a second stack while the first records its children, every time', async () => {
    for (let trial = 0; trial < 50; trial++) {
      const held = await lockDataDir(dir, quiet);
      const recording = (async () => {
        for (let child = 0; child < 20; child++) await held.recordChild(`child-${child}`, process.pid);
      })();
      const second = lockDataDir(dir, quiet).then(
        () => 'taken',
        (error: Error) => error.message,
      );
      const [outcome] = await Promise.all([second, recording]);
      expect({ trial, outcome }).toEqual({ trial, outcome: expect.stringContaining('another Vigil stack') });
      await held.release();
    }
  });

  it('tells a starter ahead of time whether a running stack holds the folder', async () => {
    expect(await dataDirInUse(dir)).toBeUndefined();
    const held = await lockDataDir(dir, quiet);
    expect(await dataDirInUse(dir)).toBe(`another Vigil stack (pid ${process.pid}) is using ${dir}; stop it first, or set VIGIL_DATA_DIR to another folder`);
    await held.release();
    expect(await dataDirInUse(dir)).toBeUndefined();
    await writeFile(join(dir, 'stack.lock'), JSON.stringify({ pid: deadPid(), cmdline: 'node stack.js', children: [] }));
    expect(await dataDirInUse(dir)).toBeUndefined();
  });

  it('lets exactly one of two stacks starting at once take over a stale lock', async () => {
    const stale = JSON.stringify({ pid: deadPid(), cmdline: 'node stack.js', children: [] });
    for (let trial = 0; trial < 200; trial++) {
      await writeFile(join(dir, 'stack.lock'), stale);
      const outcomes = await Promise.allSettled([lockDataDir(dir, quiet), lockDataDir(dir, quiet)]);
      expect({ trial, taken: outcomes.filter((o) => o.status === 'fulfilled').length }).toEqual({ trial, taken: 1 });
      for (const outcome of outcomes) if (outcome.status === 'fulfilled') await outcome.value.release();
    }
    // Nothing left behind but what the test wrote.
    expect(await readdir(dir)).toEqual([]);
  });
});
