import { fork } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

type Target = { host: string; port: number };
type Operation = 'cut' | 'stall' | 'restore' | 'setLatency' | 'close';

/**
 * A TCP proxy the test controls, between the service and PostgreSQL: `cut()` drops every
 * connection and refuses new ones (the database "goes away" for the service, while the
 * machine's shared server keeps running), `stall()` drops them and then takes new ones but
 * never answers (a firewall that drops packets), `restore()` forwards again on the same port;
 * `setLatency(ms)` delays every packet each way (a slow database, so requests stay in flight).
 *
 * It runs as a process of its own: in the caller's event loop, beside a load generator's
 * hundreds of clients, every database round trip of the service waited for the load
 * generator's turn (the harness's storm took twice as long through it as without it).
 */
export async function startTcpProxy(target: Target) {
  // Run from source (tests, tsx), the child needs the TypeScript loader too.
  const fromSource = import.meta.url.endsWith('.ts');
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { TCP_PROXY_TARGET: JSON.stringify(target) }, execArgv: fromSource ? ['--import', 'tsx'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies = new Map<number, () => void>();
  let next = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the TCP proxy exited (${code}) before it listened`)));
    child.once('message', (message: { port: number }) => { child.off('error', reject); resolve(message.port); });
  });
  child.on('message', (message: { done?: number }) => {
    if (message.done === undefined) return;
    replies.get(message.done)?.();
    replies.delete(message.done);
  });
  const ask = (operation: Operation, argument?: number) => new Promise<void>((resolve) => {
    const id = next++;
    replies.set(id, resolve);
    child.send({ id, operation, argument });
  });
  return {
    port,
    cut: () => ask('cut'),
    stall: () => ask('stall'),
    restore: () => ask('restore'),
    setLatency: (ms: number) => ask('setLatency', ms),
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask('close');
      child.disconnect();
      await exited;
    },
  };
}

/** The proxy itself, in the child process. */
async function runProxy(target: Target) {
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
  const operations: Record<Operation, (argument?: number) => Promise<void> | void> = {
    async cut() {
      await new Promise<void>((resolve) => { server.close(() => resolve()); for (const socket of sockets) socket.destroy(); });
    },
    setLatency(ms) {
      latencyMs = ms ?? 0;
    },
    stall() {
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
  return { port, operations };
}

if (process.env.TCP_PROXY_TARGET && process.send) {
  const { port, operations } = await runProxy(JSON.parse(process.env.TCP_PROXY_TARGET) as Target);
  process.send({ port });
  process.on('message', async ({ id, operation, argument }: { id: number; operation: Operation; argument?: number }) => {
    await operations[operation](argument);
    process.send!({ done: id });
  });
  // The harness's end (or its death) is the proxy's.
  process.on('disconnect', () => process.exit(0));
}
