import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import ipaddr from 'ipaddr.js';

export type Lookup = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

export const systemLookup: Lookup = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a private (unique local) address',
  carrierGradeNat: 'a carrier-grade NAT address',
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
};

// Allow-list, not deny-list: any range ipaddr.js singles out (reserved, 6to4 and Teredo tunnels that
// can wrap an internal IPv4, documentation, benchmarking…) is refused, so a new special range is
// refused by default.
function rangeRefusal(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  // process() turns ::ffff:127.0.0.1 into 127.0.0.1, so a mapped address gets the IPv4 verdict.
  const range: string = ipaddr.process(address).range();
  if (range === 'unicast') return null;
  if (address === '169.254.169.254') return 'the cloud metadata address';
  return RANGE_NAMES[range] ?? `a special-purpose address (${range})`;
}

export function addressRefusal(address: string): string | null {
  const reason = rangeRefusal(address);
  return reason === null ? null : `${address} is ${reason}`;
}

export type EndpointRefusalCode = 'scheme' | 'credentials' | 'address' | 'unresolvable';

export class EndpointRefused extends Error {
  override name = 'EndpointRefused';
  constructor(readonly code: EndpointRefusalCode, message: string) {
    super(message);
  }
}

function refusedAddress(address: string): EndpointRefused | null {
  const reason = rangeRefusal(address);
  if (reason === null) return null;
  return new EndpointRefused('address', `the URL resolves to ${address}, ${reason}: allow private networks for this endpoint to use it`);
}

function parseEndpoint(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EndpointRefused('scheme', 'this is not a valid URL: only http and https URLs are accepted');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new EndpointRefused('scheme', `only http and https URLs are accepted, not ${parsed.protocol.slice(0, -1)}`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new EndpointRefused('credentials', 'the URL must not contain a user name or password: send credentials in a header instead');
  }
  return parsed;
}

// WHATWG keeps the brackets on IPv6 hostnames ("[::1]"); lookups and isIP want them off.
const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

async function resolve(host: string, lookup: Lookup): Promise<{ address: string; family: 4 | 6 }[]> {
  const family = isIP(host);
  if (family === 4 || family === 6) return [{ address: host, family }];
  const found = await lookup(host).catch(() => []);
  if (found.length === 0) throw new EndpointRefused('unresolvable', `${host} does not resolve to any address`);
  return found;
}

export async function checkEndpointUrl(url: string, { allowPrivateNetwork, lookup }: { allowPrivateNetwork: boolean; lookup: Lookup }): Promise<void> {
  const addresses = await resolve(bareHost(parseEndpoint(url)), lookup);
  if (allowPrivateNetwork) return;
  for (const { address } of addresses) {
    const refusal = refusedAddress(address);
    if (refusal) throw refusal;
  }
}

// Node calls this hook right before connecting, so the address checked is the address used: a DNS
// answer that changed since checkEndpointUrl (rebinding) is caught here.
function guardedLookup(lookup: Lookup, allowPrivateNetwork: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, lookup).then((found) => {
      const wanted = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found;
      // Every address is checked, not only the first: with autoSelectFamily Node may try them all.
      const refusal = allowPrivateNetwork ? null : wanted.map((a) => refusedAddress(a.address)).find((r) => r !== null);
      const first = wanted[0];
      if (refusal) callback(refusal, '');
      else if (!first) callback(new EndpointRefused('unresolvable', `${hostname} has no IPv${options.family} address`), '');
      else if (options.all) callback(null, wanted);
      else callback(null, first.address, first.family);
    }, (error: Error) => callback(error, ''));
  };
}

function readableNetworkError(error: NodeJS.ErrnoException & { address?: string; port?: number }): Error {
  if (error instanceof EndpointRefused) return error;
  if (error instanceof AggregateError) return new Error(error.errors.map((e: Error) => readableNetworkError(e).message).join('; '), { cause: error });
  const host = error.address && isIP(error.address) === 6 ? `[${error.address}]` : error.address;
  const where = host ? `${host}${error.port ? `:${error.port}` : ''}` : 'the server';
  const message =
    error.code === 'ECONNREFUSED' ? `connection refused by ${where}`
    : error.code === 'ECONNRESET' ? `connection reset by ${where}`
    : error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH' ? `${where} is unreachable`
    : error.code ? `${error.code}: ${error.message}`
    : error.message;
  return new Error(message, { cause: error });
}

export interface PostJsonOptions {
  url: string;
  headers: Record<string, string>;
  body: string; // already serialized JSON
  timeoutMs: number;
  allowPrivateNetwork: boolean;
  lookup: Lookup;
  maxResponseBytes?: number;
}

export interface PostJsonResult { status: number; latencyMs: number; responsePrefix: string }

export async function postJson({ url, headers, body, timeoutMs, allowPrivateNetwork, lookup, maxResponseBytes = 1024 }: PostJsonOptions): Promise<PostJsonResult> {
  const target = parseEndpoint(url);
  // Node connects to IP literals without calling the lookup hook, so they are checked here.
  const host = bareHost(target);
  if (isIP(host) && !allowPrivateNetwork) {
    const refusal = refusedAddress(host);
    if (refusal) throw refusal;
  }
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const started = performance.now();

  return new Promise<PostJsonResult>((resolvePost, rejectPost) => {
    const req = request(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      agent: false,
      lookup: guardedLookup(lookup, allowPrivateNetwork),
    });
    // One deadline for connect, headers and body: a slow drip of bytes cannot hold a worker.
    const timer = setTimeout(() => {
      rejectPost(new Error(`${target.origin} timed out after ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      rejectPost(readableNetworkError(error));
    };
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      const latencyMs = Math.round(performance.now() - started);
      const chunks: Buffer[] = [];
      let received = 0;
      const finish = (): void => {
        clearTimeout(timer);
        const prefix = Buffer.concat(chunks).subarray(0, maxResponseBytes).toString('utf8');
        resolvePost({ status: res.statusCode ?? 0, latencyMs, responsePrefix: prefix });
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= maxResponseBytes) {
          finish();
          req.destroy(); // the rest of the body is of no use; do not wait for it
        }
      });
      // A body cut short still leaves a status worth reporting, so an aborted body resolves too.
      res.on('error', () => finish());
      res.on('close', finish);
    });
    req.end(body);
  });
}
