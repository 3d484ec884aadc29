import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The service as it is deployed for scale: API processes (`npm run serve`: OUTBOX_WORKER off)
 * and outbox workers (`npm run worker`), each a process of its own on one PostgreSQL, on ports
 * of their own. Run from `src` through tsx (the tests: no build needed) or from `dist` (the
 * benchmark: what production runs). Any process can be killed and started again by name.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type ClusterOptions = {
  databaseUrl: string;
  smtpPort: number;
  secretKey: string;
  apis?: number;
  workers?: number;
  fromDist?: boolean;
  /** Added to every process's environment (rate limits raised, pool sizes…). */
  env?: Record<string, string>;
  /** Node options for every process before its script (a heap limit, --cpu-prof…). */
  nodeArgs?: string[];
};

type Member = { name: string; role: 'api' | 'worker'; port: number; child: ChildProcess; output: string; exited: Promise<void> };

/** A port nothing listens on now (closed again at once): for a server to take, or a connection to be refused. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The node options `npm run serve` or `npm run worker` start the built service with (package.json): dist/ runs as deployed. */
function deployedNodeArgs(script: 'serve' | 'worker'): string[] {
  const { scripts } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> };
  const options = /\bnode((?: --\S+)*) dist\//.exec(scripts[script] ?? '');
  if (!options) throw new Error(`package.json's ${script} script does not run node on dist/`);
  return options[1]!.trim().split(' ').filter(Boolean);
}

export async function startCluster({ databaseUrl, smtpPort, secretKey, apis = 2, workers = 2, fromDist = false, env = {}, nodeArgs = [] }: ClusterOptions) {
  const members = new Map<string, Member>();
  const plan: { name: string; role: 'api' | 'worker'; port: number }[] = [];
  for (let i = 1; i <= apis; i++) plan.push({ name: `api-${i}`, role: 'api', port: await freePort() });
  for (let i = 1; i <= workers; i++) plan.push({ name: `worker-${i}`, role: 'worker', port: 0 });

  function launch({ name, role, port }: { name: string; role: 'api' | 'worker'; port: number }): Member {
    const script = role === 'api' ? 'server' : 'worker';
    const args = [...nodeArgs, ...(fromDist ? [...deployedNodeArgs(role === 'api' ? 'serve' : 'worker'), `${ROOT}dist/src/${script}.js`] : ['--import', 'tsx', `${ROOT}src/${script}.ts`])];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      // Not the caller's environment: a test runner's NODE_OPTIONS and the like stay out.
      env: {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC',
        DATABASE_URL: databaseUrl, SECRET_KEY: secretKey, SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        HOST: '127.0.0.1', PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        OUTBOX_WORKER: 'false', SEED_DEMO: 'false', LOG_LEVEL: 'warn', ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const member: Member = { name, role, port, child, output: '', exited: new Promise((resolve) => child.once('exit', () => resolve())) };
    const keep = (chunk: Buffer) => { member.output = (member.output + chunk.toString()).slice(-20_000); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    members.set(name, member);
    return member;
  }

  /** An API is ready when its /readyz says so; a worker once it says it started. */
  async function ready(member: Member, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (member.child.exitCode !== null || member.child.signalCode !== null) throw new Error(`${member.name} ended while starting:\n${member.output}`);
      if (member.role === 'worker') {
        if (member.output.includes('outbox worker started')) return;
      } else {
        const answer = await fetch(`http://127.0.0.1:${member.port}/readyz`).catch(() => null);
        if (answer?.ok) return;
      }
      await sleep(200);
    }
    throw new Error(`${member.name} was not ready in ${timeoutMs} ms:\n${member.output}`);
  }

  // All at once, as a deployment starts them: one migrates, the others wait for its lock.
  const started = plan.map(launch);
  await Promise.all(started.map((m) => ready(m)));

  return {
    apiUrls: plan.filter((p) => p.role === 'api').map((p) => `http://127.0.0.1:${p.port}`),
    names: plan.map((p) => p.name),
    /** Kills a process (SIGKILL: no goodbye; SIGTERM: its graceful shutdown) and waits for it to end. */
    async kill(name: string, signal: NodeJS.Signals = 'SIGKILL') {
      const member = members.get(name)!;
      member.child.kill(signal);
      await member.exited;
    },
    /**
     * Starts a process again under its name and port, and waits until it is ready; one that
     * ends while starting (the database away) is started again, as an orchestrator would.
     */
    async restart(name: string, timeoutMs = 60_000) {
      const spec = plan.find((p) => p.name === name)!;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          await ready(launch(spec), deadline - Date.now());
          return;
        } catch (error) {
          if (Date.now() >= deadline) throw error;
          await sleep(500);
        }
      }
    },
    /** Resolves when the process has ended, with its exit code. */
    async exited(name: string): Promise<number | null> {
      const member = members.get(name)!;
      await member.exited;
      return member.child.exitCode;
    },
    /** Resident memory of a process in MB (Linux /proc). */
    rssMb(name: string): number {
      const status = readFileSync(`/proc/${members.get(name)!.child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    },
    output: (name: string) => members.get(name)?.output ?? '',
    async stop() {
      for (const member of members.values()) if (member.child.exitCode === null && member.child.signalCode === null) member.child.kill('SIGTERM');
      const all = Promise.all([...members.values()].map((m) => m.exited));
      const late = setTimeout(() => { for (const m of members.values()) m.child.kill('SIGKILL'); }, 15_000);
      await all;
      clearTimeout(late);
    },
  };
}
export type Cluster = Awaited<ReturnType<typeof startCluster>>;
