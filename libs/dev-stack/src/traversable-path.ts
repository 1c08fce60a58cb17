import { chmod, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Log } from './log';

/**
 * Running as root, PostgreSQL runs as the `postgres` OS user, which must be able to pass through
 * every folder above its data folder and its programs. Each such folder of ours that others may not
 * pass (mktemp -d is 0700, /root often too) gets the search bit for others, and nothing more: they
 * still cannot list it, but they can reach what lies below it wherever that lets them (a checkout
 * is usually world-readable). The walk goes up to `top` (default: the root).
 */
export async function letOthersTraverse(path: string, log: Log, top = '/'): Promise<void> {
  const uid = process.getuid?.();
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info && info.uid === uid && (info.mode & 0o001) === 0) {
      await chmod(dir, (info.mode & 0o7777) | 0o001);
      log(`PostgreSQL: let the postgres user pass through ${dir} (chmod o+x)`);
    }
    if (dir === top || dirname(dir) === dir) return;
  }
}
