import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Throws the system's error (with its code and path, for explainStackFailure) when the data folder
 * could not be made or written: a file where it or a folder on the way to it should be, or a folder
 * this user may not write. Makes nothing: a first look before the build.
 */
export async function checkDataDirWritable(dataDir: string): Promise<void> {
  for (let path = dataDir; ; ) {
    try {
      const info = await stat(path);
      if (!info.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, '${path}'`), { code: 'ENOTDIR', path });
      // The nearest folder there is: the data folder itself, or where it would be made.
      await access(path, constants.W_OK | constants.X_OK);
      return;
    } catch (error) {
      const parent = dirname(path);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw error;
      path = parent;
    }
  }
}
