import t from 'tap';
import { CONSENT } from '../src/modules/registrations/consent.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildTown, buildUnit, buildVenue, eventBody } from './helpers/factories.js';

const LD = { accept: 'application/ld+json' };
type Ld = Record<string, any>;

t.test('an event as a schema.org Event, with Accept: application/ld+json', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db, { nameZh: '区科协' });
  const town = await buildTown(db, { nameZh: '鼓楼街道' });
  const venue = await buildVenue(db, { nameZh: '区科技馆', addressZh: '密云区鼓楼大街1号', townId: town.id, latitude: 40.3769, longitude: 116.8430, capacity: 20 });
  const call = (method: 'POST' | 'PATCH', url: string, payload?: object) => app.inject({ method, url: `/api/v1${url}`, headers: adminHeaders, ...(payload ? { payload } : {}) });
  const event = (await call('POST', '/events', eventBody(unit.id, { venueId: venue.id, registrationMode: 'individual', descriptionZh: '地球日讲座' }))).json();
  await call('POST', `/events/${event.id}/publish`);
  await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/registrations`, payload: { kind: 'individual', name: '孙隐私', phone: '13912345678', partySize: 3, consentVersion: CONSENT.version } });

  const res = await app.inject({ url: `/api/v1/events/${event.id}`, headers: LD });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/ld\+json/);
  t.match(String(res.headers.vary), /\bAccept\b/, 'caches are told the answer depends on Accept');
  const ld = res.json<Ld>();
  t.match(ld, {
    '@context': 'https://schema.org', '@type': 'Event', name: event.titleZh, description: '地球日讲座', url: event.publicUrl,
    startDate: '2030-04-22T09:00:00+08:00', endDate: '2030-04-22T11:00:00+08:00', inLanguage: 'zh-CN',
    eventStatus: 'https://schema.org/EventScheduled', eventAttendanceMode: 'https://schema.org/OfflineEventAttendanceMode',
    location: {
      '@type': 'Place', name: '区科技馆',
      address: { '@type': 'PostalAddress', streetAddress: '密云区鼓楼大街1号', addressLocality: '鼓楼街道', addressCountry: 'CN' },
      geo: { '@type': 'GeoCoordinates', latitude: 40.3769, longitude: 116.843 },
    },
    organizer: [{ '@type': 'Organization', name: '区科协' }],
    maximumAttendeeCapacity: 20, remainingAttendeeCapacity: 17,
    offers: { '@type': 'Offer', price: 0, priceCurrency: 'CNY', availability: 'https://schema.org/InStock', url: event.publicUrl },
  });
  t.notMatch(res.body, /孙隐私|13912345678/, 'no registrant data');

  const plain = await app.inject({ url: `/api/v1/events/${event.id}` });
  t.match(plain.headers['content-type'], /^application\/json/, 'the plain JSON is still served to other clients (the two are cached apart)');
  t.equal(plain.json().id, event.id);

  const sessionId = event.sessions[0].id;
  await call('PATCH', `/events/${event.id}/sessions/${sessionId}`, { startsAt: '2030-04-23T09:00:00+08:00', endsAt: '2030-04-23T11:00:00+08:00' });
  t.match((await app.inject({ url: `/api/v1/events/${event.id}`, headers: LD })).json<Ld>(), {
    eventStatus: 'https://schema.org/EventRescheduled', previousStartDate: '2030-04-22T09:00:00+08:00', startDate: '2030-04-23T09:00:00+08:00',
  }, 'a moved session: rescheduled, with the previous start kept');

  await call('POST', `/events/${event.id}/cancel`);
  t.match((await app.inject({ url: `/api/v1/events/${event.id}`, headers: LD })).json<Ld>(), { eventStatus: 'https://schema.org/EventCancelled' });
});

t.test('several sessions: one Event spanning them, with a subEvent each; online venues are virtual', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const online = await buildVenue(db, { kind: 'online', nameZh: '线上直播', isOnline: true, capacity: null });
  const body = eventBody(unit.id, {
    venueId: online.id, capacity: 100, registrationMode: 'individual',
    sessions: [
      { startsAt: '2030-05-01T09:00:00+08:00', endsAt: '2030-05-01T10:00:00+08:00' },
      { startsAt: '2030-05-02T14:00:00+08:00', endsAt: '2030-05-02T15:30:00+08:00' },
    ],
  });
  const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: body })).json();
  await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/publish`, headers: adminHeaders });
  const ld = (await app.inject({ url: `/api/v1/events/${event.id}`, headers: LD })).json<Ld>();
  t.match(ld, {
    startDate: '2030-05-01T09:00:00+08:00', endDate: '2030-05-02T15:30:00+08:00',
    eventAttendanceMode: 'https://schema.org/OnlineEventAttendanceMode', location: { '@type': 'VirtualLocation', url: event.publicUrl },
  });
  t.equal(ld.subEvent.length, 2);
  t.match(ld.subEvent[1], { '@type': 'Event', startDate: '2030-05-02T14:00:00+08:00', maximumAttendeeCapacity: 100, remainingAttendeeCapacity: 100 });
});

t.test('an organizer\'s draft without sessions is not called cancelled', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const draft = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { sessions: [] }) })).json();
  const ld = (await app.inject({ url: `/api/v1/events/${draft.id}`, headers: { ...LD, ...adminHeaders } })).json<Ld>();
  t.equal(ld.eventStatus, 'https://schema.org/EventScheduled');
  t.same(ld.subEvent, []);
});
