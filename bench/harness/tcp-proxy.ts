import { createServer, connect, type Socket } from 'node:net';

/**
 * A TCP proxy the test controls, between the service and PostgreSQL: `cut()` drops every
 * connection and refuses new ones (the database "goes away" for the service, while the
 * machine's shared server keeps running), `stall()` drops them and then takes new ones but
 * never answers (a firewall that drops packets), `restore()` forwards again on the same port;
 * `latencyMs` delays every packet each way (a slow database, so requests stay in flight).
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let stalled = false;
  let latencyMs = 0;
  // Timers of equal delay fire in the order they were set, so the byte stream keeps its order.
  const later = (run: () => void) => (latencyMs > 0 ? void setTimeout(run, latencyMs) : run());
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => later(() => { if (!to.destroyed) to.write(chunk); }));
    // A side that closes closes the other, as a direct connection would.
    from.on('end', () => later(() => to.end()));
    from.on('close', () => later(() => to.destroy()));
  };
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
    forward(client, upstream);
    forward(upstream, client);
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
    setLatency(ms: number) {
      latencyMs = ms;
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
