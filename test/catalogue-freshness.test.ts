import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { eq, sql } from 'drizzle-orm';
import { connectPostgres } from '../src/db/client.js';
import { events, tombstones, towns, venues } from '../src/db/schema/index.js';
import { catalogueMarks } from '../src/modules/changes/sync.js';
import { adminHeaders, build } from './helpers/build.js';
import { onPostgres } from './helpers/database.js';
import { buildTown, buildUnit, buildVenue, eventBody } from './helpers/factories.js';

/**
 * The change marks that let an expired feed be kept instead of rendered again, and the sync
 * watermark built the same way: nothing committed after a mark may go unseen, whichever
 * process wrote it.
 */

t.test('a mark sees every kind of change the catalogue shows, and nothing else', async (t) => {
  const { app, db } = await build(t);
  const marks = catalogueMarks(db);
  const unit = await buildUnit(db);
  const town = await buildTown(db);
  const venue = await buildVenue(db, { townId: town.id });
  const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { venueId: venue.id }) })).json();

  let mark = await marks.mark();
  t.equal(await marks.changedSince(mark), false, 'nothing changed after a fresh mark: the last change itself is not new');
  t.equal(await marks.changedSince(mark), false, 'and asking again changes nothing');

  const touches: [string, () => Promise<unknown>][] = [
    ['an event', () => db.update(events).set({ titleZh: '改了', updatedAt: sql`now()` }).where(eq(events.id, event.id))],
    ['a venue', () => db.update(venues).set({ nameZh: '新馆名', updatedAt: sql`now()` }).where(eq(venues.id, venue.id))],
    ['a town', () => db.update(towns).set({ nameZh: '新镇名', updatedAt: sql`now()` }).where(eq(towns.id, town.id))],
    ['a deletion', () => db.insert(tombstones).values({ kind: 'event', objectId: crypto.randomUUID() })],
  ];
  for (const [what, touch] of touches) {
    await sleep(2); // the database's clock moves on between statements on PGlite too
    await touch();
    t.equal(await marks.changedSince(mark), true, `${what} changed after the mark`);
    mark = await marks.mark();
    t.equal(await marks.changedSince(mark), false, `a mark taken after ${what} changed sees nothing new`);
  }
});

t.test('an expired feed nothing changed under is kept; a change made elsewhere renders it again', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, {}, '2030-06-01') })).json();
  await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/publish`, headers: adminHeaders });
  const first = await app.inject({ url: '/feeds/events.ics' });
  t.equal(first.statusCode, 200);
  await sleep(5200);
  // Past the 5-second TTL: checked against the marks, found unchanged, kept as it was.
  const again = await app.inject({ url: '/feeds/events.ics' });
  await sleep(50);
  const checked = await app.inject({ url: '/feeds/events.ics' });
  t.equal(again.body, first.body);
  t.equal(checked.headers['last-modified'], first.headers['last-modified'], 'not rendered again: its Last-Modified is the first render\'s');
  t.equal(checked.headers.etag, first.headers.etag);

  // As another API process would: straight to the database, this process's cache not told.
  await db.update(events).set({ titleZh: '别的进程改的标题', updatedAt: sql`now()` }).where(eq(events.id, event.id));
  await sleep(5200);
  let body = '';
  for (let tries = 0; tries < 50 && !body.includes('别的进程改的标题'); tries++, await sleep(20)) body = (await app.inject({ url: '/feeds/events.ics' })).body;
  t.match(body, /别的进程改的标题/, 'the change shows once the TTL has passed');
});

const needsPostgres = { skip: onPostgres ? false : 'needs PostgreSQL: two connections at once (runs when DATABASE_URL is set, CI\'s second pass)' };

t.test('PostgreSQL: a change still committing when the mark is taken is seen after it commits', needsPostgres, async (t) => {
  const { app, db, database } = await build(t);
  const other = connectPostgres((database as { url?: string }).url!, { poolSize: 2 });
  t.teardown(() => other.close());
  const marks = catalogueMarks(db);
  const unit = await buildUnit(db);
  const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, {}, '2030-06-01') })).json();
  await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/publish`, headers: adminHeaders });

  let release = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  let started = () => {};
  const open = new Promise<void>((resolve) => { started = resolve; });
  // Another process's transaction: its updated_at is its start, before the mark below.
  const writer = other.db.transaction(async (tx) => {
    await tx.update(events).set({ titleZh: '慢事务改的标题', updatedAt: sql`now()` }).where(eq(events.id, event.id));
    started();
    await gate;
  });
  await open;
  await sleep(20);
  const mark = await marks.mark();
  const sync = (await app.inject({ url: '/api/v1/events' })).json().nextUpdatedSince as string;
  release();
  await writer;

  t.equal(await marks.changedSince(mark), true, 'the feed\'s mark sees it');
  const synced = (await app.inject({ url: `/api/v1/events?updatedSince=${encodeURIComponent(sync)}` })).json();
  t.ok(synced.items.some((e: { id: string; titleZh: string }) => e.id === event.id && e.titleZh === '慢事务改的标题'), 'a sync from the nextUpdatedSince read meanwhile lists it');
});
