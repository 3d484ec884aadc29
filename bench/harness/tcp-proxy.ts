import { createServer, connect, type Socket } from 'node:net';

/**
 * A TCP proxy the test controls, between the service and PostgreSQL: `cut()` drops every
 * connection and refuses new ones (the database "goes away" for the service, while the
 * machine's shared server keeps running), `stall()` drops them and then takes new ones but
 * never answers (a firewall that drops packets), `restore()` forwards again on the same port.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let stalled = false;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (stalled) return;
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve((server.address() as { port: number }).port); });
  });
  const port = await listen(0);
  return {
    port,
    async cut() {
      await new Promise<void>((resolve) => { server.close(() => resolve()); for (const socket of sockets) socket.destroy(); });
    },
    async stall() {
      stalled = true;
      for (const socket of sockets) socket.destroy();
    },
    async restore() {
      stalled = false;
      if (!server.listening) await listen(port);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
