import * as net from 'node:net';

/**
 * A loopback TCP port that was free a moment ago: the kernel picks it (bound to port 0, then released), so
 * servers started side by side do not collide. The caller starts its server on it at once.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
