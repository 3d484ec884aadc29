import { Type } from '@sinclair/typebox';
import { EVENT_STATUSES, REGISTRATION_KINDS, REGISTRATION_MODES, REGISTRATION_SOURCES, REGISTRATION_STATUSES } from '../../db/schema/index.js';
import { Nullable, StringEnum, Uuid } from '../../lib/schemas.js';

const Time = Type.String({ format: 'date-time' });
const EventRef = { id: Uuid, titleZh: Type.String(), titleEn: Nullable(Type.String()), timezone: Type.String({ description: 'IANA zone the event\'s times are shown in' }) };

export const RecentRegistrationsQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
}, { additionalProperties: false });

/** A sign-up at a glance: no phone, no address, no answers (the event's list has those, for those who may see them). */
export const RecentRegistrationSchema = Type.Object({
  id: Uuid,
  kind: StringEnum(REGISTRATION_KINDS),
  status: StringEnum(REGISTRATION_STATUSES),
  source: StringEnum(REGISTRATION_SOURCES),
  headcount: Type.Integer(),
  name: Nullable(Type.String({ description: 'The person, or the class\'s teacher; null once anonymised' })),
  school: Nullable(Type.String()),
  createdAt: Time,
  session: Type.Object({ id: Uuid, startsAt: Time, endsAt: Time }),
  event: Type.Object(EventRef),
});

export const UpcomingSessionsQuery = Type.Object({
  days: Type.Integer({ minimum: 1, maximum: 366, default: 30, description: 'Sessions starting within this many days (and those under way)' }),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'Opaque; from `nextCursor` of the previous page' })),
}, { additionalProperties: false });

export const UpcomingSessionSchema = Type.Object({
  id: Uuid,
  startsAt: Time,
  endsAt: Time,
  capacity: Nullable(Type.Integer({ description: 'Session, else event, else venue capacity; null: unlimited' })),
  seatsTaken: Type.Integer({ description: 'Headcount of confirmed and attended registrations' }),
  waitlisted: Type.Object({ registrations: Type.Integer(), headcount: Type.Integer() }),
  event: Type.Object({ ...EventRef, status: StringEnum(EVENT_STATUSES), registrationMode: StringEnum(REGISTRATION_MODES) }),
});
