import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/harness/cluster.js';

type Teardown = { teardown(fn: () => unknown): void };

const PGBOUNCER = '/usr/sbin/pgbouncer';
export const hasPgBouncer = existsSync(PGBOUNCER);

const reachable = (port: number) => new Promise<boolean>((resolve) => {
  const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
  socket.on('error', () => resolve(false));
});

/**
 * A PgBouncer of the test's own in front of the PostgreSQL server of `databaseUrl`, in
 * transaction mode (each transaction may get another server connection: what breaks named
 * prepared statements and anything kept in a session), with `poolSize` server connections
 * per database; stopped when the test ends. Returns `databaseUrl` as seen through it.
 * Needs Debian's pgbouncer package (.ci/run installs it).
 */
export async function startPgBouncer(t: Teardown, databaseUrl: string, { poolSize = 4 } = {}): Promise<string> {
  const target = new URL(databaseUrl);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kepu-pgbouncer-'));
  // PgBouncer will not run as root: it drops to the postgres user, who must write here.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chmodSync(dir, 0o777);
  writeFileSync(join(dir, 'userlist.txt'), `"${decodeURIComponent(target.username || 'postgres')}" ""\n`);
  writeFileSync(join(dir, 'pgbouncer.ini'), [
    '[databases]',
    `* = host=${target.hostname} port=${target.port || 5432}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1', `listen_port = ${port}`, 'unix_socket_dir =',
    'auth_type = trust', `auth_file = ${join(dir, 'userlist.txt')}`,
    'pool_mode = transaction', `default_pool_size = ${poolSize}`, 'max_client_conn = 500',
    `logfile = ${join(dir, 'pgbouncer.log')}`, `pidfile = ${join(dir, 'pgbouncer.pid')}`,
  ].join('\n'));
  const child = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  t.teardown(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  for (let waited = 0; !(await reachable(port)); waited += 50) {
    const log = existsSync(join(dir, 'pgbouncer.log')) ? readFileSync(join(dir, 'pgbouncer.log'), 'utf8') : '';
    if (child.exitCode !== null || waited > 10_000) throw new Error(`PgBouncer did not start:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const through = new URL(databaseUrl);
  through.hostname = '127.0.0.1';
  through.port = String(port);
  return through.toString();
}
