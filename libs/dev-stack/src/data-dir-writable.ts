import { constants } from 'node:fs';
import { access, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Throws the system's error (with its code and path, for explainStackFailure) when the data folder
 * could not be made or written: a file where it or a folder on the way to it should be, or a folder
 * this user may not write. Refuses one on a filesystem the kernel makes up (pseudoFilesystemOf).
 * Makes nothing: a first look before the build, and again before the stack makes the folder.
 */
export async function checkDataDirWritable(dataDir: string): Promise<void> {
  for (let path = dataDir; ; ) {
    try {
      const info = await stat(path);
      if (!info.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, '${path}'`), { code: 'ENOTDIR', path });
      // The nearest folder there is: the data folder itself, or where it would be made.
      const pseudo = await pseudoFilesystemOf(path);
      if (pseudo) throw new Error(`VIGIL_DATA_DIR=${dataDir} is on the kernel's ${pseudo} filesystem (at ${path}), which keeps no files: set VIGIL_DATA_DIR to another folder`);
      await access(path, constants.W_OK | constants.X_OK);
      return;
    } catch (error) {
      const parent = dirname(path);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw error;
      path = parent;
    }
  }
}

/**
 * Linux's filesystems that hold the kernel's own state rather than files (statfs(2) f_type, from
 * linux/magic.h). No data folder can live there, and trying may never end: under /proc, Node's
 * recursive mkdir never settles (mkdir says ENOENT, the parent exists, it tries again, for ever),
 * and the stack would wait on it, deaf to Ctrl-C. Found by the filesystem, not by the path, so
 * /proc mounted elsewhere, or reached through a symbolic link, is refused as well.
 */
const PSEUDO_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x62656570, 'configfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x1cd1, 'devpts'],
]);

/** The name of the kernel filesystem `folder` is on, if it is one of PSEUDO_FILESYSTEMS (on Linux only: other systems number theirs otherwise). */
async function pseudoFilesystemOf(folder: string): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  return PSEUDO_FILESYSTEMS.get((await statfs(folder)).type);
}
