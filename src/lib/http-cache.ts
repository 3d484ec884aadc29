import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isSignedIn } from '../modules/accounts/principal.js';

/**
 * `sameSecondAsChange`: rendered in the second a change was made, so its Last-Modified equals
 * that of the answer before the change, and If-Modified-Since cannot tell them apart.
 */
type Entry = {
  body: Buffer; gzip?: Buffer; etag: string; lastModified: Date; sameSecondAsChange: boolean; contentType: string; headers: Record<string, string>; tags: string[];
  expires: number; renderedAt: number;
  /** Shows a tag changed through invalidateSoon since it was rendered. */
  changed?: boolean;
  /** For answers that track the catalogue: the mark taken before rendering (see Freshness). */
  mark?: string;
};
/**
 * What a route renders: the body, its type, headers that belong with it (a Link header), and
 * tags naming what it shows (event ids), so a change to one event drops only the answers
 * that show it.
 */
export type Rendered = {
  body: string | Buffer; contentType: string; headers?: Record<string, string>; tags?: string[];
  /** It shows only what Freshness tracks (no seat counts): once expired, it is checked rather than rendered again. */
  tracksCatalogue?: boolean;
};

/**
 * How an expired answer learns, cheaply and across processes, that nothing it shows changed:
 * a mark taken before rendering, and whether anything changed after it.
 */
export type Freshness = { mark(): Promise<string>; changedSince(mark: string): Promise<boolean> };

/** Even unchanged, a checked answer is rendered again this often: feeds also move with time (the window of the past 30 days). */
const RENDER_AT_LEAST_EVERY_MS = 10 * 60_000;

/** Anonymous answers may be kept by browsers and proxies a minute, and served stale while they refetch. */
const PUBLIC_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300';
const VARY = 'Accept, Accept-Encoding, Authorization, Cookie';
const GZIP_FROM_BYTES = 1024;

const etagOf = (body: Buffer) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
/** The gzip form is another representation, so it gets its own strong tag (RFC 9110 8.8.3.3). */
const gzipTagOf = (etag: string) => `${etag.slice(0, -1)}-gzip"`;

/** Whether Accept-Encoding allows gzip: named (or `*`) with a q-value above 0. */
function acceptsGzip(header: string | string[] | undefined) {
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of String(header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? 1);
    if (name === 'gzip' || name === 'x-gzip') gzip = q;
    else if (name === '*') any = q;
  }
  return (gzip ?? any ?? 0) > 0;
}

/** RFC 9110 If-None-Match: a list of tags or *, compared weakly for GET. */
function matches(header: string | undefined, etag: string) {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare);
}

/**
 * Public GET answers rendered once and kept in the process, keyed by URL: a bot polling every
 * minute costs a map lookup, a hash comparison and (usually) a 304. Entries live `ttlMs`;
 * this process drops them when it changes what they show (`invalidate`, by tag or all); a
 * change made by another API process is seen once the entry expires and the one render that
 * refreshes it is done (meanwhile the expired entry is served), so public answers are at most
 * `ttlMs` plus one render stale. Requests that miss together share one render. An answer that
 * shows no seat counts (the feeds) is, once expired, checked against the database's change
 * marks (Freshness) and kept unrendered while nothing it shows changed: a 1,000-session
 * calendar is rendered when the catalogue changes (or every ten minutes), not every few seconds.
 * Signed-in callers (who may see drafts) always get a fresh, private answer.
 */
export function createHttpCache({ ttlMs = 5000, maxEntries = 500, freshness, coalesceMs = 1000 }: { ttlMs?: number; maxEntries?: number; freshness?: Freshness; coalesceMs?: number } = {}) {
  const entries = new Map<string, Entry>();
  /** When each tag last changed through invalidateSoon: a render in flight then may not show it. */
  const softChangedAt = new Map<string, number>();
  /** When each key was last dropped for such a change (or rendered again after one). */
  const softDroppedAt = new Map<string, number>();
  const keysByTag = new Map<string, Set<string>>();
  const inflight = new Map<string, { promise: Promise<Entry>; generation: number }>();
  let generation = 0;
  let invalidatedAt = 0;

  function entryOf(rendered: Rendered, now: number, mark: string | undefined): Entry {
    const body = Buffer.isBuffer(rendered.body) ? rendered.body : Buffer.from(rendered.body, 'utf8');
    const second = Math.floor(now / 1000) * 1000;
    return {
      body, etag: etagOf(body), lastModified: new Date(second), sameSecondAsChange: second <= invalidatedAt, contentType: rendered.contentType,
      headers: rendered.headers ?? {}, tags: rendered.tags ?? [], expires: now + ttlMs, renderedAt: now,
      ...(rendered.tracksCatalogue && mark !== undefined ? { mark } : {}),
    };
  }

  /** An expired entry nothing it shows has changed since: kept another TTL, unrendered. */
  async function stillFresh(entry: Entry | undefined): Promise<boolean> {
    if (!entry?.mark || !freshness || Date.now() - entry.renderedAt > RENDER_AT_LEAST_EVERY_MS) return false;
    if (await freshness.changedSince(entry.mark)) return false;
    entry.expires = Date.now() + ttlMs;
    return true;
  }

  /** Kept in insertion order, so the oldest goes first when the map is full. */
  function keep(key: string, entry: Entry) {
    drop(key);
    entries.set(key, entry);
    for (const tag of entry.tags) (keysByTag.get(tag) ?? keysByTag.set(tag, new Set()).get(tag)!).add(key);
    if (entries.size > maxEntries) drop(entries.keys().next().value!);
  }

  function drop(key: string) {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    for (const tag of entry.tags) {
      const keys = keysByTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) keysByTag.delete(tag);
    }
  }

  /**
   * One render (or freshness check) per key at a time: requests that miss together share it.
   * Not one started before the last invalidation: a change made since may not be in it.
   */
  function refresh(key: string, render: () => Promise<Rendered>, expired?: Entry): Promise<Entry> {
    const running = inflight.get(key);
    if (running && running.generation === generation) return running.promise;
    const started = generation;
    const rendering = (async () => {
      if (expired && await stillFresh(expired)) return expired;
      const renderStarted = Date.now();
      // Taken before the render reads anything, so whatever it misses is after the mark.
      const mark = await freshness?.mark();
      const entry = entryOf(await render(), Date.now(), mark);
      // A change made while this rendered may not be in it: serve it, but do not keep it (or,
      // for a seat count, keep it only until its tag's window is up).
      const movedMeanwhile = entry.tags.some((tag) => (softChangedAt.get(tag) ?? -Infinity) >= renderStarted);
      if (generation === started && !(movedMeanwhile && dropSoon(key, entry, Date.now()))) keep(key, entry);
      return entry;
    })().finally(() => { if (inflight.get(key)?.promise === rendering) inflight.delete(key); });
    inflight.set(key, { promise: rendering, generation: started });
    return rendering;
  }

  function sendEntry(request: FastifyRequest, reply: FastifyReply, entry: Entry) {
    const gzip = entry.body.length >= GZIP_FROM_BYTES && acceptsGzip(request.headers['accept-encoding']);
    const etag = gzip ? gzipTagOf(entry.etag) : entry.etag;
    reply.header('cache-control', PUBLIC_CACHE_CONTROL).header('vary', VARY).header('etag', etag);
    const ifNoneMatch = request.headers['if-none-match'];
    const ifModifiedSince = request.headers['if-modified-since'];
    // Either form's tag says the client holds this content (in the form it asked for then).
    const notModified = ifNoneMatch !== undefined
      ? ifNoneMatch === etag || matches(ifNoneMatch, entry.etag) || matches(ifNoneMatch, gzipTagOf(entry.etag))
      : ifModifiedSince !== undefined && !entry.sameSecondAsChange && Date.parse(ifModifiedSince) >= entry.lastModified.getTime();
    // A 304 carries the validators a cache needs (RFC 9110 15.4.5): with the ETag there, no Last-Modified.
    if (notModified) return reply.code(304).send();
    reply.header('last-modified', entry.lastModified.toUTCString()).headers(entry.headers).type(entry.contentType);
    if (!gzip) return reply.send(entry.body);
    entry.gzip ??= gzipSync(entry.body);
    return reply.header('content-encoding', 'gzip').send(entry.gzip);
  }

  /** Drops every entry, or with a tag only those that show it. */
  function invalidate(tag?: string) {
    generation += 1;
    invalidatedAt = Date.now();
    if (tag === undefined) {
      entries.clear();
      keysByTag.clear();
    } else {
      for (const key of [...(keysByTag.get(tag) ?? [])]) drop(key);
    }
  }

  /**
   * For a change that moves a number rather than what an answer is about (a sign-up moves a
   * seat count): the answers showing the tag are dropped at once if they were not dropped so
   * within the last `coalesceMs`, otherwise when that time is up. However many sign-ups a
   * second an event takes, an answer listing it is rendered again at most once per
   * `coalesceMs`, and shows a seat count at most that much (plus one render) late.
   */
  function invalidateSoon(tag: string) {
    const now = Date.now();
    invalidatedAt = now;
    softChangedAt.set(tag, now);
    forgetBefore(softChangedAt, now - 60_000);
    for (const key of [...(keysByTag.get(tag) ?? [])]) dropSoon(key, entries.get(key)!, now);
  }

  /** Drops the answer (true) or marks it to expire when its window is up, then to be rendered rather than served stale. */
  function dropSoon(key: string, entry: Entry, now: number): boolean {
    const due = (softDroppedAt.get(key) ?? -Infinity) + coalesceMs;
    if (due <= now) {
      drop(key);
      softDroppedAt.set(key, now);
      forgetBefore(softDroppedAt, now - coalesceMs);
      return true;
    }
    entry.changed = true;
    entry.expires = Math.min(entry.expires, due);
    return false;
  }

  /** Keeps the bookkeeping maps bounded: old times no longer decide anything. */
  function forgetBefore(times: Map<string, number>, before: number) {
    if (times.size > maxEntries) for (const [key, at] of times) if (at < before) times.delete(key);
  }

  return {
    invalidate,
    invalidateSoon,

    /** `variant` tells apart answers of one URL that differ by a request header (e.g. Accept). */
    async send(request: FastifyRequest, reply: FastifyReply, render: () => Promise<Rendered>, variant = '') {
      if (isSignedIn(request.principal)) {
        const rendered = await render();
        return reply.header('cache-control', 'private, no-store').header('vary', VARY).headers(rendered.headers ?? {}).type(rendered.contentType).send(rendered.body);
      }
      const key = variant ? `${request.url}\u0000${variant}` : request.url;
      const cached = entries.get(key);
      if (cached && cached.expires > Date.now()) return sendEntry(request, reply, cached);
      if (cached?.changed) softDroppedAt.set(key, Date.now()); // its window is up: rendered now, and not again within the next
      else if (cached) {
        // Expired, not invalidated: this process changed nothing it shows. Serve it while one
        // render refreshes it, so a busy feed never makes every waiting client render at once.
        void refresh(key, render, cached).catch((error: unknown) => request.log.error({ err: error }, 'refreshing a cached answer failed'));
        return sendEntry(request, reply, cached);
      }
      return sendEntry(request, reply, await refresh(key, render));
    },
  };
}
export type HttpCache = ReturnType<typeof createHttpCache>;
