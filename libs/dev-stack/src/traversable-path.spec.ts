import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { letOthersTraverse } from './traversable-path';

describe('letOthersTraverse', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-traverse-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const mode = async (path: string) => (await stat(path)).mode & 0o777;

  it('gives every private folder above a path, up to the top, the search bit for others, and nothing more', async () => {
    const home = join(root, 'home');
    const bin = join(home, 'checkout', 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'initdb'), '');
    await chmod(home, 0o700);
    await chmod(join(home, 'checkout'), 0o750);
    const logged: string[] = [];

    const binMode = await mode(bin);
    const fileMode = await mode(join(bin, 'initdb'));
    await chmod(root, 0o700);

    await letOthersTraverse(join(bin, 'initdb'), (message) => logged.push(message), home);

    expect(await mode(home)).toBe(0o701);
    expect(await mode(join(home, 'checkout'))).toBe(0o751);
    expect(await mode(bin)).toBe(binMode);
    expect(await mode(join(bin, 'initdb'))).toBe(fileMode);
    // Above the top: left alone.
    expect(await mode(root)).toBe(0o700);
    expect(logged).toEqual(expect.arrayContaining([expect.stringContaining(home)]));
  });

  it('leaves folders that let others through as they are, and says nothing', async () => {
    const open = join(root, 'open');
    await mkdir(open, { mode: 0o755 });
    await chmod(root, 0o711);
    const logged: string[] = [];

    await letOthersTraverse(join(open, 'data'), (message) => logged.push(message), root);

    expect(await mode(open)).toBe(0o755);
    expect(await mode(root)).toBe(0o711);
    expect(logged).toEqual([]);
  });
});
