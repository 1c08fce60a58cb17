import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDataDirWritable } from './data-dir-writable';
import { explainStackFailure } from './data-dir-error';

const onLinux = process.platform === 'linux' ? it : it.skip;

describe('checkDataDirWritable', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'vigil-data-dir-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('passes a folder that is there, and one that can be made in a folder that is', async () => {
    await expect(checkDataDirWritable(dir)).resolves.toBeUndefined();
    await expect(checkDataDirWritable(join(dir, 'not', 'yet'))).resolves.toBeUndefined();
  });

  it('refuses a data folder with a file in its way, in words that say what to do', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    for (const dataDir of [file, join(file, 'data')]) {
      const error = await checkDataDirWritable(dataDir).then(() => undefined, (e: unknown) => e);
      expect({ dataDir, explained: explainStackFailure(error, dataDir) }).toEqual({ dataDir, explained: expect.stringContaining('set VIGIL_DATA_DIR to another folder') });
    }
  });

  onLinux('refuses a data folder on a filesystem the kernel makes up, naming it, where Node could not even make it', async () => {
    const cases: Array<[string, string, string]> = [
      ['/proc/vigil', 'proc', '/proc'],
      ['/proc/self/vigil/data', 'proc', '/proc/self'],
      ['/proc', 'proc', '/proc'],
      ['/sys/vigil', 'sysfs', '/sys'],
    ];
    // Through a symbolic link too: found by the filesystem, not by the path.
    await symlink('/proc', join(dir, 'link'));
    cases.push([join(dir, 'link', 'vigil'), 'proc', join(dir, 'link')]);
    for (const [dataDir, filesystem, at] of cases) {
      const error = await checkDataDirWritable(dataDir).then(() => undefined, (e: unknown) => e);
      expect({ dataDir, explained: explainStackFailure(error, dataDir) }).toEqual({
        dataDir,
        explained: `VIGIL_DATA_DIR=${dataDir} is on the kernel's ${filesystem} filesystem (at ${at}), which keeps no files: set VIGIL_DATA_DIR to another folder`,
      });
    }
  });
});
