import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDataDirWritable } from './data-dir-writable';
import { explainStackFailure } from './data-dir-error';

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
});
