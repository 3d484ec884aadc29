/**
 * The limit for bench/feeds: a bare Fastify server that answers `/<n>` with the n-th captured
 * answer's very bytes and headers the service sent (gzip included), straight from memory, and 304 to
 * a matching If-None-Match; `/empty-304` is a bare empty 304. Reads the captured answers from
 * the JSON file named on its command line; prints its port, then serves until killed.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

type Captured = { headers: Record<string, string>; body: string };
const captured = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Captured[];

const app = Fastify({ logger: false });
captured.forEach(({ headers, body }, index) => {
  const bytes = Buffer.from(body, 'base64');
  app.get(`/${index}`, (request, reply) => {
    reply.headers(headers);
    if (request.headers['if-none-match'] === headers.etag) return reply.code(304).send();
    return reply.send(bytes);
  });
});
app.get('/empty-304', (_request, reply) => reply.code(304).send());
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ port: (app.server.address() as { port: number }).port }));
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
