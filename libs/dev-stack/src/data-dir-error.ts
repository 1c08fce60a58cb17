import { relative, isAbsolute } from 'node:path';

const NO_WRITE_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);
/** mkdir on a path a file holds (EEXIST), or through one (ENOTDIR). */
const NOT_A_FOLDER_CODES = new Set(['EEXIST', 'ENOTDIR']);

/**
 * What a failure says to the person who ran `npm start`. A file of the data folder (or a folder on
 * the way to it) this user may not write gets the way out, which the system's message leaves out:
 * typically a folder an earlier `sudo npm start` left to root, or VIGIL_DATA_DIR in a system folder.
 */
export function explainStackFailure(error: unknown, dataDir: string, uid: number | undefined = process.getuid?.()): string {
  const message = error instanceof Error ? error.message : String(error);
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
  if (typeof code !== 'string' || typeof path !== 'string') return message;
  if (!within(path, dataDir) && !within(dataDir, path)) return message;
  if (NOT_A_FOLDER_CODES.has(code)) {
    return `${message}\nThe data folder ${dataDir} must be a folder, and a file is in its way: set VIGIL_DATA_DIR to another folder, or move that file.`;
  }
  if (!NO_WRITE_CODES.has(code)) return message;
  const user = uid === undefined ? 'this user' : `this user (uid ${uid})`;
  return `${message}\nThe data folder ${dataDir} must be one ${user} can write: set VIGIL_DATA_DIR to another folder, or give this user that one (one an earlier \`sudo npm start\` left belongs to root).`;
}

function within(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
