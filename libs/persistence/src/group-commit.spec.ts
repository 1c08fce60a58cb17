import { GroupCommit } from './group-commit';

/** A commit function that records its batches and completes only when told to. */
function controlledCommit() {
  const batches: string[][] = [];
  const finish: Array<(fail?: Error) => void> = [];
  const commit = (items: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(items);
      finish.push((fail) => (fail ? reject(fail) : resolve(items.map((i) => `ok:${i}`))));
    });
  return { batches, finish, commit };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('commits a lone item at once, and everything that arrived meanwhile as the next batch', async () => {
    const c = controlledCommit();
    const group = new GroupCommit({ commit: c.commit, maxBatchWeight: 100, concurrency: 1, retryAlone: () => true });
    const first = group.submit('a');
    const rest = ['b', 'c', 'd'].map((item) => group.submit(item));
    expect(c.batches).toEqual([['a']]);
    expect(group.waiting).toBe(3);
    c.finish[0]();
    await expect(first).resolves.toBe('ok:a');
    await flush();
    expect(c.batches).toEqual([['a'], ['b', 'c', 'd']]);
    c.finish[1]();
    await expect(Promise.all(rest)).resolves.toEqual(['ok:b', 'ok:c', 'ok:d']);
  });

  it('sends the next batch to the database before answering the callers of the one that committed', async () => {
    const c = controlledCommit();
    const group = new GroupCommit({ commit: c.commit, maxBatchWeight: 100, concurrency: 1, retryAlone: () => true });
    const first = group.submit('a').then((result) => ({ result, batchesWhenAnswered: c.batches.map((b) => [...b]) }));
    const second = group.submit('b');
    c.finish[0]();
    await expect(first).resolves.toEqual({ result: 'ok:a', batchesWhenAnswered: [['a'], ['b']] });
    c.finish[1]();
    await expect(second).resolves.toBe('ok:b');
  });

  it('runs up to `concurrency` batches at once', async () => {
    const c = controlledCommit();
    const group = new GroupCommit({ commit: c.commit, maxBatchWeight: 100, concurrency: 2, retryAlone: () => true });
    const all = ['a', 'b', 'c'].map((item) => group.submit(item));
    expect(c.batches).toEqual([['a'], ['b']]);
    c.finish[1]();
    await flush();
    expect(c.batches).toEqual([['a'], ['b'], ['c']]);
    c.finish[0]();
    c.finish[2]();
    await expect(Promise.all(all)).resolves.toEqual(['ok:a', 'ok:b', 'ok:c']);
  });

  it('never puts more than maxBatchWeight in a batch, nor splits an item', async () => {
    const c = controlledCommit();
    const group = new GroupCommit({ commit: c.commit, maxBatchWeight: 5, concurrency: 1, retryAlone: () => true });
    const all = [group.submit('first', 1), group.submit('three', 3), group.submit('two', 2), group.submit('big', 9), group.submit('one', 1)];
    for (let i = 0; i < 4; i++) {
      c.finish[i]();
      await flush();
    }
    expect(c.batches).toEqual([['first'], ['three', 'two'], ['big'], ['one']]);
    await expect(Promise.all(all)).resolves.toHaveLength(5);
  });

  it('retries a failed batch item by item, so only the bad item fails', async () => {
    const commit = (items: string[]) =>
      items.includes('bad') ? Promise.reject(new Error('constraint violated')) : Promise.resolve(items.map((i) => `ok:${i}`));
    const gate = controlledCommit();
    const group = new GroupCommit<string, string>({
      commit: (items) => (items[0] === 'gate' ? gate.commit(items) : commit(items)),
      maxBatchWeight: 100,
      concurrency: 1,
      retryAlone: () => true,
    });
    const held = group.submit('gate');
    const results = ['a', 'bad', 'b'].map((item) => group.submit(item).catch((e: Error) => e.message));
    gate.finish[0]();
    await held;
    await expect(Promise.all(results)).resolves.toEqual(['ok:a', 'constraint violated', 'ok:b']);
  });

  it('fails the whole batch at once when every item would fail (the database is down)', async () => {
    const attempts: string[][] = [];
    const group = new GroupCommit<string, string>({
      commit: (items) => {
        attempts.push(items);
        return Promise.reject(new Error('connect ECONNREFUSED'));
      },
      maxBatchWeight: 100,
      concurrency: 1,
      retryAlone: (error) => !String(error).includes('ECONNREFUSED'),
    });
    const first = group.submit('a').catch((e: Error) => e.message);
    const rest = ['b', 'c'].map((item) => group.submit(item).catch((e: Error) => e.message));
    await expect(Promise.all([first, ...rest])).resolves.toEqual(Array(3).fill('connect ECONNREFUSED'));
    expect(attempts).toEqual([['a'], ['b', 'c']]);
  });

  it('tells how much weight waits for a batch, not counting what is committing', async () => {
    const c = controlledCommit();
    const group = new GroupCommit({ commit: c.commit, maxBatchWeight: 100, concurrency: 1, retryAlone: () => true });
    const all = [group.submit('a', 3), group.submit('b', 2), group.submit('c', 4)];
    expect(group.waitingWeight).toBe(6);
    c.finish[0]();
    await flush();
    expect(group.waitingWeight).toBe(0);
    c.finish[1]();
    await expect(Promise.all(all)).resolves.toHaveLength(3);
  });
});
