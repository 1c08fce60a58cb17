import { resolvesWithin } from './resolves-within';

describe('resolvesWithin', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('is true for a promise that resolves in time, and leaves no timer behind', async () => {
    await expect(resolvesWithin(Promise.resolve('done'), 1_000)).resolves.toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('is false once the time runs out first', async () => {
    const answer = resolvesWithin(new Promise(() => undefined), 1_000);
    await jest.advanceTimersByTimeAsync(1_000);
    await expect(answer).resolves.toBe(false);
  });

  it('rejects with the promise when it rejects first', async () => {
    await expect(resolvesWithin(Promise.reject(new Error('refused')), 1_000)).rejects.toThrow('refused');
    expect(jest.getTimerCount()).toBe(0);
  });
});
