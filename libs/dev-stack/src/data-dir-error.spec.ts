import { explainStackFailure } from './data-dir-error';

function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: permission denied, ${syscall} '${path}'`), { code, syscall, path });
}

describe('explainStackFailure', () => {
  const dataDir = '/var/lib/vigil';
  const way = 'set VIGIL_DATA_DIR to another folder, or give this user that one';

  it.each([
    ['a file in the data folder', fsError('EACCES', 'open', '/var/lib/vigil/stack.lock.1.ab.new')],
    ['a file deeper in it', fsError('EACCES', 'open', '/var/lib/vigil/postgres/vigil-credentials.json')],
    ['a folder on the way to it', fsError('EACCES', 'mkdir', '/var/lib')],
    ['a read-only file system', fsError('EROFS', 'mkdir', '/var/lib/vigil')],
  ])('names the data folder, the user and the way out for %s', (_case, error) => {
    const explained = explainStackFailure(error, dataDir, 1001);
    expect(explained).toContain(error.message);
    expect(explained).toContain(`The data folder ${dataDir} must be one this user (uid 1001) can write`);
    expect(explained).toContain(way);
  });

  it.each([
    ['a file where the data folder should be', fsError('EEXIST', 'mkdir', '/var/lib/vigil')],
    ['a file on the way to it', fsError('ENOTDIR', 'mkdir', '/var/lib/vigil/postgres')],
  ])('names the data folder and the way out for %s', (_case, error) => {
    const explained = explainStackFailure(error, dataDir, 1001);
    expect(explained).toContain(error.message);
    expect(explained).toContain(`The data folder ${dataDir} must be a folder, and a file is in its way: set VIGIL_DATA_DIR to another folder`);
  });

  it.each([
    ['a file outside the data folder', fsError('EACCES', 'open', '/home/dev/.cache/vigil/temporal')],
    ['a folder beside it whose name starts alike', fsError('EACCES', 'open', '/var/lib/vigil-other/x')],
    ['another kind of failure', fsError('ENOSPC', 'write', '/var/lib/vigil/postgres/x')],
    ['an error with no path', new Error('PostgreSQL did not start')],
    ['something thrown that is not an error', 'port 5433 is taken'],
  ])('says only what failed for %s', (_case, error) => {
    expect(explainStackFailure(error, dataDir, 1001)).toBe(error instanceof Error ? error.message : error);
  });
});
