import { createServer } from 'node:net';

/** A port the OS says is free right now (bound to 0 and released); another process may still take it first. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('the OS returned no port'))));
    });
  });
}

export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return (await whyPortUnusable(port, host)) === undefined;
}

/** Why a server could not listen on `host:port` right now, undefined when it could: in words, whether only another process is in the way, and whether the host is what is wrong. */
export function whyPortUnusable(port: number, host: string): Promise<{ reason: string; inUse: boolean; hostAtFault: boolean } | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      const hostAtFault = ['ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL'].includes(error.code ?? '');
      const because = (reason: string) => resolve({ reason, inUse: error.code === 'EADDRINUSE', hostAtFault });
      if (error.code === 'EADDRINUSE') because(`port ${port} on ${host} is in use by another process`);
      else if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') because(`${host} is not a host name or address this machine knows`);
      else if (error.code === 'EADDRNOTAVAIL') because(`${host} is not an address of this machine`);
      else if (error.code === 'EACCES') because(`port ${port} needs privileges this user does not have`);
      else because(`cannot listen on ${host}:${port}: ${error.message}`);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
