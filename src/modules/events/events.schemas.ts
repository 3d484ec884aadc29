import { Type, type Static } from '@sinclair/typebox';
import { EVENT_STATUSES, EVENT_TYPES, REGISTRATION_MODES, SESSION_STATUSES } from '../../db/schema/index.js';
import { CalendarDate, Instant, LongText, Nullable, PageQuery, ShortText, Slug, StringEnum, TownRef, UnitRef, Uuid, pageOf } from '../../lib/schemas.js';

export const AVAILABILITY = ['available', 'few_left', 'full', 'waiting_list'] as const;

const literals = <T extends readonly string[]>(values: T) => StringEnum(values);
export const EventTypeSchema = literals(EVENT_TYPES);
export const EventStatusSchema = literals(EVENT_STATUSES);
export const RegistrationModeSchema = literals(REGISTRATION_MODES);

export const SessionSchema = Type.Object({
  id: Uuid,
  eventId: Uuid,
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  capacity: Nullable(Type.Integer({ description: 'Set on the session itself; null: inherited' })),
  effectiveCapacity: Nullable(Type.Integer({ description: 'Session, else event, else venue capacity; null: unlimited' })),
  status: literals(SESSION_STATUSES),
  sequence: Type.Integer({ description: 'The iCal SEQUENCE of this session: event.sequence + its own changes' }),
  previousStartsAt: Nullable(Type.String({ format: 'date-time', description: 'The start before the session was last moved, once published' })),
  streamUrl: Nullable(Type.String({ description: 'Omitted (null) for the public when the event takes registrations' })),
  seatsLeft: Nullable(Type.Integer({ description: 'Null when seats are unlimited or the event takes no registrations' })),
  availability: Nullable(StringEnum(AVAILABILITY, { description: 'few_left: at most 5 seats or 10% left; waiting_list: full, new sign-ups wait; null without registration' })),
  updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Session' });
export type SessionResponse = Static<typeof SessionSchema>;

export const EventSchema = Type.Object({
  id: Uuid,
  titleZh: Type.String(),
  titleEn: Nullable(Type.String()),
  descriptionZh: Nullable(Type.String()),
  descriptionEn: Nullable(Type.String()),
  type: EventTypeSchema,
  status: EventStatusSchema,
  ownerUnit: UnitRef,
  coUnits: Type.Array(UnitRef),
  observance: Nullable(Type.Object({ id: Uuid, slug: Type.String(), nameZh: Type.String(), nameEn: Type.String() })),
  task: Nullable(Type.Object({ id: Uuid, titleZh: Type.String(), titleEn: Nullable(Type.String()), campaignId: Uuid, campaignSlug: Type.String() })),
  venue: Nullable(Type.Object({
    id: Uuid, slug: Type.String(), nameZh: Type.String(), nameEn: Nullable(Type.String()), addressZh: Nullable(Type.String()), addressEn: Nullable(Type.String()),
    town: Nullable(TownRef), isOnline: Type.Boolean(), capacity: Nullable(Type.Integer()),
    latitude: Nullable(Type.Number({ description: 'WGS-84' })), longitude: Nullable(Type.Number({ description: 'WGS-84' })),
  })),
  audiences: Type.Array(Type.String()),
  timezone: Type.String(),
  registrationMode: RegistrationModeSchema,
  registrationOpensAt: Nullable(Type.String({ format: 'date-time' })),
  registrationClosesAt: Nullable(Type.String({ format: 'date-time' })),
  capacity: Nullable(Type.Integer()),
  partySizeLimit: Type.Integer(),
  waitlistEnabled: Type.Boolean(),
  promotionCutoffMinutes: Type.Integer(),
  reminderOffsetsMinutes: Type.Array(Type.Integer()),
  questions: Type.Array(Type.Object({
    id: Uuid, kind: Type.String(), labelZh: Type.String(), labelEn: Nullable(Type.String()), required: Type.Boolean(),
    options: Type.Array(Type.Object({ value: Type.String(), labelZh: Type.String(), labelEn: Nullable(Type.String()) })),
  }), { description: 'Extra questions of the sign-up form (hidden ones left out)' }),
  tags: Type.Array(Type.String()),
  sequence: Type.Integer(),
  firstStartAt: Nullable(Type.String({ format: 'date-time' })),
  lastEndAt: Nullable(Type.String({ format: 'date-time' })),
  sessions: Type.Array(Type.Ref(SessionSchema)),
  publicUrl: Type.String({ description: 'The event\'s page on the public site' }),
  icalUrl: Type.String({ description: 'The event\'s sessions as an iCal calendar (https)' }),
  webcalUrl: Type.String({ description: 'The same calendar as a webcal:// subscription link' }),
  scienceWorkers: Nullable(Type.Integer({ description: 'Science workers involved, entered by the organizers for the year\'s report; null: not entered' })),
  volunteers: Nullable(Type.Integer({ description: 'Volunteers involved, entered by the organizers; null: not entered' })),
  registrationTransfer: Type.Boolean({ description: 'The organizing units\' own systems receive the registrations of people who agree (the separate consent of GET /consent, `transfer`): a sign-up form offers it only then' }),
  reviewComment: Nullable(Type.String({ description: 'Why an administrator returned the event for changes' })),
  publishedAt: Nullable(Type.String({ format: 'date-time' })),
  cancelledAt: Nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Event' });
export type EventResponse = Static<typeof EventSchema>;

const Capacity = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const StreamUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 });

export const CreateSessionBody = Type.Object({
  startsAt: Instant,
  endsAt: Instant,
  capacity: Type.Optional(Nullable(Capacity)),
  streamUrl: Type.Optional(Nullable(StreamUrl)),
}, { additionalProperties: false });
export type CreateSessionBody = Static<typeof CreateSessionBody>;
export const UpdateSessionBody = Type.Partial(CreateSessionBody, { additionalProperties: false, minProperties: 1 });
export type UpdateSessionBody = Static<typeof UpdateSessionBody>;

const eventFields = {
  titleZh: ShortText(200),
  titleEn: Type.Optional(Nullable(ShortText(200))),
  descriptionZh: Type.Optional(Nullable(LongText)),
  descriptionEn: Type.Optional(Nullable(LongText)),
  type: EventTypeSchema,
  ownerUnitId: Uuid,
  coUnitIds: Type.Optional(Type.Array(Uuid, { maxItems: 50, uniqueItems: true })),
  observanceId: Type.Optional(Nullable(Uuid)),
  taskId: Type.Optional(Nullable(Uuid)),
  venueId: Type.Optional(Nullable(Uuid)),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone; default the calendar\'s' })),
  registrationMode: Type.Optional(RegistrationModeSchema),
  registrationOpensAt: Type.Optional(Nullable(Instant)),
  registrationClosesAt: Type.Optional(Nullable(Instant)),
  capacity: Type.Optional(Nullable(Capacity)),
  partySizeLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Most people one individual registration may bring (default 5)' })),
  waitlistEnabled: Type.Optional(Type.Boolean({ description: 'Default true; false: a full session refuses sign-ups (409 full)' })),
  promotionCutoffMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10080, description: 'No automatic promotion from the waiting list this close to a session\'s start (default 120)' })),
  reminderOffsetsMinutes: Type.Optional(Type.Array(Type.Integer({ minimum: 5, maximum: 20160 }), {
    maxItems: 5, uniqueItems: true,
    description: 'Reminder mails to registrants, in minutes before each session starts (default [1440, 120]: a day and two hours before); [] sends none',
  })),
  tags: Type.Optional(Type.Array(ShortText(50), { maxItems: 30, uniqueItems: true })),
  audiences: Type.Optional(Type.Array(Slug, { maxItems: 10, uniqueItems: true })),
  scienceWorkers: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Science workers involved (national Science Day reporting)' }))),
  volunteers: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Volunteers involved' }))),
};
export const CreateEventBody = Type.Object({
  ...eventFields,
  sessions: Type.Optional(Type.Array(CreateSessionBody, { maxItems: 200 })),
}, { additionalProperties: false });
export type CreateEventBody = Static<typeof CreateEventBody>;
export const UpdateEventBody = Type.Partial(Type.Object(eventFields), { additionalProperties: false, minProperties: 1 });
export type UpdateEventBody = Static<typeof UpdateEventBody>;

export const EventListQuery = Type.Object({
  ...PageQuery,
  // A date is a day in the calendar's zone; an instant carries its offset.
  from: Type.Optional(Type.Union([CalendarDate, Instant], { description: 'Events with a session ending after this (a date: from its start); default now for anonymous callers' })),
  to: Type.Optional(Type.Union([CalendarDate, Instant], { description: 'Events with a session starting before this; a date includes that whole day' })),
  observance: Type.Optional(Slug),
  campaign: Type.Optional(Slug),
  task: Type.Optional(Uuid),
  venue: Type.Optional(Slug),
  town: Type.Optional(Slug),
  audience: Type.Optional(Slug),
  unit: Type.Optional(Slug),
  type: Type.Optional(EventTypeSchema),
  status: Type.Optional(EventStatusSchema),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Substring of the title or description (Chinese or English)' })),
  updatedSince: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'Sync: every event changed since then, past ones and cancelled ones too (the default `from` does not apply), and `deleted` lists the events deleted since. Start from a full listing\'s `nextUpdatedSince`; older than the tombstone retention (default 90 days) gets 410.' })),
  updated_since: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'The same as updatedSince, as the feed\'s first description spelled it' })),
}, { additionalProperties: false });
export type EventListQuery = Static<typeof EventListQuery>;
export const EventPage = Type.Object({
  ...pageOf(Type.Ref(EventSchema)).properties,
  next: Nullable(Type.String({ description: 'The next page\'s URL (also in the Link header, rel="next"); null on the last page' })),
  deleted: Type.Optional(Type.Array(Type.Object({ id: Uuid, deletedAt: Type.String({ format: 'date-time' }) }), {
    description: 'Only with updatedSince: events deleted since then (tombstones), paged with the events',
  })),
  nextUpdatedSince: Type.String({ format: 'date-time', description: 'Pass as updatedSince to hear of every change after this listing (the same on every page of one listing)' }),
});

export const ReturnEventBody = Type.Object({ comment: ShortText(2000) }, { additionalProperties: false });

export const SessionParams = Type.Object({ id: Uuid, sessionId: Uuid }, { additionalProperties: false });
