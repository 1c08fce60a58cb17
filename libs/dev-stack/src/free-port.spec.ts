import { createServer, type Server } from 'node:net';
import { choosePort, findFreePort, isPortFree, whyPortUnusable } from './free-port';

function listen(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('ports', () => {
  let taken: Server;
  let takenPort: number;
  beforeAll(async () => {
    takenPort = await findFreePort();
    taken = await listen(takenPort);
  });
  afterAll(() => new Promise((resolve) => taken.close(resolve)));

  it('tells a taken port from a free one', async () => {
    await expect(isPortFree(takenPort)).resolves.toBe(false);
    await expect(isPortFree(await findFreePort())).resolves.toBe(true);
  });

  it('says why a port cannot be listened on: another process in the way, or a host this machine does not have', async () => {
    await expect(whyPortUnusable(takenPort, '127.0.0.1')).resolves.toEqual({ reason: `port ${takenPort} on 127.0.0.1 is in use by another process`, inUse: true });
    await expect(whyPortUnusable(takenPort, 'not a host')).resolves.toEqual({ reason: 'not a host is not a host name or address this machine knows', inUse: false });
    await expect(whyPortUnusable(takenPort, '192.0.2.1')).resolves.toEqual({ reason: '192.0.2.1 is not an address of this machine', inUse: false });
    await expect(whyPortUnusable(await findFreePort(), '127.0.0.1')).resolves.toBeUndefined();
  });

  it('swaps a taken default for a free port', async () => {
    const choice = await choosePort(undefined, takenPort);
    expect(choice.substituted).toBe(true);
    expect(choice.port).not.toBe(takenPort);
  });

  it('keeps an explicit port even when taken, so the clash is reported where it is bound', async () => {
    await expect(choosePort(takenPort, 1)).resolves.toEqual({ port: takenPort, substituted: false });
  });
});
