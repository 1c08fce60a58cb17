import { Supervisor, type SupervisedComponent } from './supervisor';

function fakeComponent(name: string, stopped: string[]): SupervisedComponent & { crash(how: string): void } {
  let end: (how: string) => void = () => undefined;
  const exited = new Promise<string>((resolve) => (end = resolve));
  return {
    name,
    exited,
    stop: async () => {
      stopped.push(name);
      end('stopped');
      await exited;
    },
    crash: (how) => end(how),
  };
}

describe('Supervisor', () => {
  it('stops components in reverse start order, each awaited', async () => {
    const stopped: string[] = [];
    const supervisor = new Supervisor(() => undefined);
    for (const name of ['postgres', 'temporal', 'worker', 'api']) supervisor.add(fakeComponent(name, stopped));
    await supervisor.stopAll();
    expect(stopped).toEqual(['api', 'worker', 'temporal', 'postgres']);
  });

  it('reports the first component that ends on its own, and stops the others only', async () => {
    const stopped: string[] = [];
    const supervisor = new Supervisor(() => undefined);
    const postgres = fakeComponent('postgres', stopped);
    const worker = fakeComponent('worker', stopped);
    supervisor.add(postgres);
    supervisor.add(worker);
    worker.crash('exited with code 1');
    expect((await supervisor.unexpectedExit).message).toBe('worker exited with code 1 unexpectedly');
    await supervisor.stopAll();
    expect(stopped).toEqual(['postgres']);
  });

  it('says so when a component takes a while to stop, and not when it stops at once', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor((line) => lines.push(line), 20);
    supervisor.add(fakeComponent('temporal', []));
    const worker = fakeComponent('worker', []);
    supervisor.add({ ...worker, stop: () => new Promise<void>((resolve) => setTimeout(() => void worker.stop().then(resolve), 100)) });
    await supervisor.stopAll();
    expect(lines).toEqual([
      'stopping worker',
      'worker is still stopping (it finishes what it has under way, and is killed if it takes too long)',
      'stopping temporal',
    ]);
  });
});
