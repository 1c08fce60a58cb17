import { createServer, type Server } from 'node:net';
import { findFreePort, isPortFree, whyPortUnusable } from './free-port';
import { chooseStackPorts } from './stack-ports';

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
    await expect(whyPortUnusable(takenPort, '127.0.0.1')).resolves.toEqual({ reason: `port ${takenPort} on 127.0.0.1 is in use by another process`, inUse: true, hostAtFault: false });
    await expect(whyPortUnusable(takenPort, 'not a host')).resolves.toEqual({ reason: 'not a host is not a host name or address this machine knows', inUse: false, hostAtFault: true });
    await expect(whyPortUnusable(takenPort, '192.0.2.1')).resolves.toEqual({ reason: '192.0.2.1 is not an address of this machine', inUse: false, hostAtFault: true });
    await expect(whyPortUnusable(await findFreePort(), '127.0.0.1')).resolves.toBeUndefined();
  });

  describe('the stack\'s ports, chosen before anything starts', () => {
    const wish = (setting: string, explicit: number | undefined, fallback: number, host = '127.0.0.1', hostSetting?: string) => ({ setting, explicit, fallback, host, hostSetting });

    it('keeps free ports as set, and swaps a taken default, or one another server is set to, for a free port', async () => {
      const free = await findFreePort();
      const chosen = await chooseStackPorts({
        api: wish('PORT', free, 3000),
        postgres: wish('VIGIL_PG_PORT', undefined, takenPort),
        temporal: wish('VIGIL_TEMPORAL_PORT', undefined, free),
      });
      expect(chosen.api).toEqual({ port: free, substituted: false });
      expect(chosen.postgres?.substituted).toBe(true);
      expect(chosen.temporal?.substituted).toBe(true);
      expect(new Set([chosen.api?.port, chosen.postgres?.port, chosen.temporal?.port, takenPort]).size).toBe(4);
    });

    it('refuses a port set explicitly that another process holds, naming its setting', async () => {
      await expect(chooseStackPorts({ temporal: wish('VIGIL_TEMPORAL_PORT', takenPort, 7233) })).rejects.toThrow(
        `VIGIL_TEMPORAL_PORT: port ${takenPort} on 127.0.0.1 is in use by another process; set VIGIL_TEMPORAL_PORT to another`,
      );
    });

    it('refuses one port set for two servers', async () => {
      const free = await findFreePort();
      await expect(chooseStackPorts({ api: wish('PORT', free, 3000), postgres: wish('VIGIL_PG_PORT', free, 5432) })).rejects.toThrow(
        `PORT and VIGIL_PG_PORT are both ${free}; each server needs a port of its own`,
      );
    });

    it('names HOST, not PORT, when the API\'s host is not this machine\'s, whether its port was set or not', async () => {
      await expect(chooseStackPorts({ api: wish('PORT', undefined, await findFreePort(), '192.0.2.1', 'HOST') })).rejects.toThrow(
        'HOST: 192.0.2.1 is not an address of this machine; set HOST to another',
      );
      await expect(chooseStackPorts({ api: wish('PORT', await findFreePort(), 3000, '192.0.2.1', 'HOST') })).rejects.toThrow(
        'HOST: 192.0.2.1 is not an address of this machine; set HOST to another',
      );
    });
  });
});
