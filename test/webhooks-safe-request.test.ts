import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { addressRefusal, checkEndpointUrl, EndpointRefused, type Lookup, postJson, systemLookup } from '../src/modules/webhooks/safe-request.js';

// Only DNS is faked: these names stand for the kinds of hosts an attacker would register.
const NAMES: Record<string, string> = {
  'metadata.example.test': '169.254.169.254',
  'intranet.example.test': '10.1.2.3',
  'rebind.example.test': '127.0.0.1',
  'public.example.test': '93.184.215.14',
};
const fakeLookup: Lookup = async (hostname) => {
  const address = NAMES[hostname];
  if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

type Test = { teardown(fn: () => unknown): void };
interface Seen { body: string; headers: IncomingHttpHeaders }

async function listen(t: Test, handle: Parameters<typeof createServer>[1] = (_req, res) => res.end('ok')): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ body, headers: req.headers });
      handle?.(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, seen };
}

const post = { headers: {}, body: '{}', timeoutMs: 2000, lookup: fakeLookup };

t.test('addressRefusal refuses everything but public unicast', async (t) => {
  const refused = ['127.0.0.1', '::1', '::ffff:127.0.0.1', '169.254.169.254', '10.0.0.5', '172.16.3.4', '192.168.1.1', '100.64.0.1', 'fd00::1', 'fe80::1', '0.0.0.0', '224.0.0.1', '2002:7f00:1::1', 'not-an-ip'];
  for (const address of refused) t.match(addressRefusal(address), new RegExp(`^${address.replace(/\./g, '\\.')} is .+`), address);
  t.match(addressRefusal('127.0.0.1'), /loopback/);
  t.match(addressRefusal('::ffff:127.0.0.1'), /loopback/);
  t.match(addressRefusal('10.0.0.5'), /private/);
  t.match(addressRefusal('169.254.169.254'), /metadata/);
  t.equal(addressRefusal('93.184.215.14'), null);
  t.equal(addressRefusal('2606:4700::1111'), null);
});

t.test('checkEndpointUrl', async (t) => {
  const strict = { allowPrivateNetwork: false, lookup: fakeLookup };
  const lenient = { allowPrivateNetwork: true, lookup: fakeLookup };

  await t.rejects(checkEndpointUrl('ftp://public.example.test/', strict), { code: 'scheme', message: /only http and https/ });
  await t.rejects(checkEndpointUrl('file:///etc/passwd', lenient), { code: 'scheme' });
  await t.rejects(checkEndpointUrl('not a url', lenient), { code: 'scheme' });
  await t.rejects(checkEndpointUrl('http://user:pw@public.example.test/', lenient), { code: 'credentials' });

  const internal = ['http://127.0.0.1/', 'http://[::1]/', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/', 'http://2130706433/', 'http://metadata.example.test/', 'http://intranet.example.test:8080/hook'];
  for (const url of internal) {
    await t.rejects(checkEndpointUrl(url, strict), EndpointRefused, url);
    await t.rejects(checkEndpointUrl(url, strict), { code: 'address', message: /allow private networks/ }, url);
    await t.resolves(checkEndpointUrl(url, lenient), url);
  }
  await t.rejects(checkEndpointUrl('http://10.1.2.3/', strict), { message: 'the URL resolves to 10.1.2.3, a private address: allow private networks for this endpoint to use it' });

  // localhost really resolves, through the system resolver, to loopback.
  await t.rejects(checkEndpointUrl('http://localhost:8080/', { allowPrivateNetwork: false, lookup: systemLookup }), { code: 'address' });
  await t.resolves(checkEndpointUrl('http://localhost:8080/', { allowPrivateNetwork: true, lookup: systemLookup }));

  await t.resolves(checkEndpointUrl('http://public.example.test/', strict));
  await t.resolves(checkEndpointUrl('https://93.184.215.14/hook', strict));
  await t.rejects(checkEndpointUrl('http://nowhere.example.test/', strict), { code: 'unresolvable', message: /nowhere\.example\.test does not resolve/ });

  const mixed: Lookup = async () => [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.5', family: 4 }];
  await t.rejects(checkEndpointUrl('http://mixed.example.test/', { allowPrivateNetwork: false, lookup: mixed }), { code: 'address' }, 'one internal address among several is enough to refuse');
});

t.test('postJson refuses internal addresses before anything reaches the server', async (t) => {
  const { port, seen } = await listen(t);
  const strict = { ...post, allowPrivateNetwork: false };
  await t.rejects(postJson({ ...strict, url: `http://127.0.0.1:${port}/` }), { code: 'address' });
  await t.rejects(postJson({ ...strict, url: `http://rebind.example.test:${port}/` }), { code: 'address' });
  await t.rejects(postJson({ ...strict, url: `ftp://127.0.0.1:${port}/` }), { code: 'scheme' });
  await t.rejects(postJson({ ...strict, url: `http://nowhere.example.test:${port}/` }), { code: 'unresolvable' });

  // The name looked public when the endpoint was registered, then turned internal (DNS rebinding).
  let answers = 0;
  const rebinding: Lookup = async () => [{ address: answers++ === 0 ? '93.184.215.14' : '127.0.0.1', family: 4 }];
  const url = `http://flip.example.test:${port}/`;
  await checkEndpointUrl(url, { allowPrivateNetwork: false, lookup: rebinding });
  await t.rejects(postJson({ ...strict, lookup: rebinding, url }), { code: 'address', message: /127\.0\.0\.1, a loopback address/ });

  t.equal(seen.length, 0);
});

t.test('postJson delivers the body and headers when private networks are allowed', async (t) => {
  const { port, seen } = await listen(t, (_req, res) => res.writeHead(202).end('accepted'));
  const body = JSON.stringify({ event: 'registration.created', id: 42, name: '科普日' });
  for (const host of ['rebind.example.test', '127.0.0.1']) {
    const result = await postJson({ ...post, allowPrivateNetwork: true, url: `http://${host}:${port}/hooks?x=1`, headers: { 'x-kepu-signature': 'sig' }, body });
    t.equal(result.status, 202, host);
    t.equal(result.responsePrefix, 'accepted', host);
    t.ok(Number.isInteger(result.latencyMs) && result.latencyMs >= 0, host);
  }
  t.equal(seen.length, 2);
  for (const { body: received, headers } of seen) {
    t.equal(received, body);
    t.equal(headers['content-type'], 'application/json');
    t.equal(headers['content-length'], String(Buffer.byteLength(body)));
    t.equal(headers['x-kepu-signature'], 'sig');
  }
  t.equal(seen[0]?.headers.host, `rebind.example.test:${port}`);
});

t.test('postJson does not follow redirects', async (t) => {
  const elsewhere = await listen(t);
  const { port } = await listen(t, (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${elsewhere.port}/` }).end());
  const result = await postJson({ ...post, allowPrivateNetwork: true, url: `http://127.0.0.1:${port}/` });
  t.equal(result.status, 302);
  t.equal(elsewhere.seen.length, 0);
});

t.test('postJson gives up after timeoutMs', async (t) => {
  const { port } = await listen(t, () => {}); // reads the request, never answers
  const started = Date.now();
  await t.rejects(postJson({ ...post, allowPrivateNetwork: true, timeoutMs: 300, url: `http://127.0.0.1:${port}/` }), { message: /timed out after 300 ms/ });
  t.ok(Date.now() - started < 2000, 'rejected near the deadline');
});

t.test('postJson reads only the start of a large response', async (t) => {
  const { port } = await listen(t, (_req, res) => res.end('x'.repeat(1024 * 1024)));
  const result = await postJson({ ...post, allowPrivateNetwork: true, maxResponseBytes: 100, url: `http://127.0.0.1:${port}/` });
  t.equal(result.status, 200);
  t.ok(result.responsePrefix.length <= 100);
  t.ok(result.responsePrefix.length > 0);
});

t.test('postJson explains a refused connection', async (t) => {
  const { port } = await listen(t);
  const closed = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as AddressInfo;
      server.close(() => resolve(free));
    });
  });
  t.not(closed, port);
  await t.rejects(postJson({ ...post, allowPrivateNetwork: true, url: `http://127.0.0.1:${closed}/` }), { message: `connection refused by 127.0.0.1:${closed}` });
});
