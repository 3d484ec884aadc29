import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { events, sessions } from '../../db/schema/index.js';
import type { EventResponse } from './events.schemas.js';

/** Timestamps leave the database in the same form as Date.toISOString(). */
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const unitJson = (alias: string) => `json_build_object('id', ${alias}.id, 'slug', ${alias}.slug, 'nameZh', ${alias}.name_zh, 'nameEn', ${alias}.name_en)`;

/**
 * The whole public shape of an event, built by PostgreSQL as one JSON document per row:
 * one round trip for a page of events, and no per-row mapping in JavaScript (measured:
 * about a quarter of the CPU of five Drizzle queries mapped and stitched in JS).
 * A session's capacity falls back to the event's, then the venue's (kept in effective_capacity
 * by triggers); seats left and an availability word come from it (the band is the SQL function
 * seat_availability_band, migration 0009, whose moves a trigger stamps for syncing bots); its sequence adds the
 * event's (see changes/calendar-fields.ts); stream links stay hidden from the public view
 * of events that take registrations.
 */
const EVENT_DOCUMENT = `json_build_object(
  'id', e.id, 'titleZh', e.title_zh, 'titleEn', e.title_en, 'descriptionZh', e.description_zh, 'descriptionEn', e.description_en,
  'type', e.type, 'status', e.status,
  'ownerUnit', ${unitJson('ou')},
  'coUnits', coalesce((select json_agg(${unitJson('cu')} order by cu.slug)
    from event_units eu join units cu on cu.id = eu.unit_id where eu.event_id = e.id), '[]'::json),
  'observance', case when o.id is null then null else json_build_object('id', o.id, 'slug', o.slug, 'nameZh', o.name_zh, 'nameEn', o.name_en) end,
  'task', case when t.id is null then null else json_build_object('id', t.id, 'titleZh', t.title_zh, 'titleEn', t.title_en, 'campaignId', c.id, 'campaignSlug', c.slug) end,
  'venue', case when v.id is null then null else json_build_object('id', v.id, 'slug', v.slug, 'nameZh', v.name_zh, 'nameEn', v.name_en,
    'addressZh', v.address_zh, 'addressEn', v.address_en, 'isOnline', v.is_online, 'capacity', v.capacity,
    'latitude', v.latitude, 'longitude', v.longitude,
    'town', case when tw.id is null then null else ${unitJson('tw')} end) end,
  'audiences', coalesce((select json_agg(ea.audience_slug order by ea.audience_slug) from event_audiences ea where ea.event_id = e.id), '[]'::json),
  'timezone', e.timezone, 'registrationMode', e.registration_mode,
  'registrationOpensAt', ${iso('e.registration_opens_at')}, 'registrationClosesAt', ${iso('e.registration_closes_at')},
  'capacity', e.capacity, 'partySizeLimit', e.party_size_limit, 'waitlistEnabled', e.waitlist_enabled,
  'promotionCutoffMinutes', e.promotion_cutoff_minutes, 'reminderOffsetsMinutes', to_json(e.reminder_offsets_minutes),
  'questions', coalesce((select json_agg(json_build_object('id', q.id, 'kind', q.kind, 'labelZh', q.label_zh, 'labelEn', q.label_en,
      'required', q.required, 'options', q.options) order by q.position, q.created_at)
    from event_questions q where q.event_id = e.id and not q.hidden), '[]'::json),
  'tags', to_json(e.tags), 'sequence', e.sequence,
  'firstStartAt', ${iso('e.first_start_at')}, 'lastEndAt', ${iso('e.last_end_at')},
  'sessions', coalesce((select json_agg(json_build_object(
      'id', s.id, 'eventId', s.event_id, 'startsAt', ${iso('s.starts_at')}, 'endsAt', ${iso('s.ends_at')},
      'capacity', s.capacity, 'effectiveCapacity', s.effective_capacity,
      'seatsLeft', case when e.registration_mode = 'none' or s.effective_capacity is null then null else greatest(s.effective_capacity - s.seats_taken, 0) end,
      'availability', case when e.registration_mode = 'none' then null
        else case seat_availability_band(s.effective_capacity, s.seats_taken)
          when 2 then case when e.waitlist_enabled then 'waiting_list' else 'full' end
          when 1 then 'few_left' else 'available' end end,
      'status', s.status, 'sequence', e.sequence + s.sequence, 'previousStartsAt', ${iso('s.previous_starts_at')},
      'streamUrl', case when $public and e.registration_mode <> 'none' then null else s.stream_url end,
      'updatedAt', ${iso('s.updated_at')}) order by s.starts_at, s.id)
    from sessions s where s.event_id = e.id), '[]'::json),
  'scienceWorkers', e.science_workers, 'volunteers', e.volunteers,
  'registrationTransfer', exists (select 1 from webhook_endpoints w
    where w.disabled_at is null and w.kinds && array['registration.created', 'registration.cancelled']
      and (w.unit_id = e.owner_unit_id or w.unit_id in (select eu.unit_id from event_units eu where eu.event_id = e.id))),
  'reviewComment', e.review_comment,
  'publishedAt', ${iso('e.published_at')}, 'cancelledAt', ${iso('e.cancelled_at')},
  'createdAt', ${iso('e.created_at')}, 'updatedAt', ${iso('e.updated_at')})`;

const [beforePublic, afterPublic] = EVENT_DOCUMENT.split('$public') as [string, string];
const JOINS = `events e
  join units ou on ou.id = e.owner_unit_id
  left join observances o on o.id = e.observance_id
  left join campaign_tasks t on t.id = e.task_id
  left join campaign_sections cs on cs.id = t.section_id
  left join campaigns c on c.id = cs.campaign_id
  left join venues v on v.id = e.venue_id
  left join towns tw on tw.id = v.town_id`;

/** Where an event is seen and subscribed to: its public page, and its calendar in both https:// and webcal:// forms. */
export const eventLinks = (baseUrl: string, id: string) => {
  const icalUrl = `${baseUrl}/api/v1/events/${id}.ics`;
  return { publicUrl: `${baseUrl}/events/${id}`, icalUrl, webcalUrl: icalUrl.replace(/^https?:/, 'webcal:') };
};

/** Full events in the order of `ids`. `publicView` hides what only organizers and registrants may see. */
export async function loadEvents(db: Executor, ids: string[], { publicView, baseUrl }: { publicView: boolean; baseUrl: string }): Promise<EventResponse[]> {
  if (ids.length === 0) return [];
  const rows = await db.select({ document: sql<Omit<EventResponse, keyof ReturnType<typeof eventLinks>>>`${sql.raw(beforePublic)}${publicView}${sql.raw(afterPublic)}` })
    .from(sql.raw(JOINS))
    .where(sql`e.id = any(${sql.param(ids)}::uuid[])`);
  const byId = new Map(rows.map((r) => [r.document.id, r.document]));
  return ids.flatMap((id) => { const doc = byId.get(id); return doc ? [{ ...doc, ...eventLinks(baseUrl, id) }] : []; });
}

/** Keeps the event's span and `updated_at` in step with its live sessions. */
export async function refreshEventSpan(tx: Executor, eventId: string) {
  await tx.update(events).set({
    firstStartAt: sql`(select min(${sessions.startsAt}) from ${sessions} where ${sessions.eventId} = ${eventId} and ${sessions.status} = 'scheduled')`,
    lastEndAt: sql`(select max(${sessions.endsAt}) from ${sessions} where ${sessions.eventId} = ${eventId} and ${sessions.status} = 'scheduled')`,
    updatedAt: sql`now()`,
  }).where(eq(events.id, eventId));
}

/** The unit that owns an event, or undefined for an unknown id. */
export async function ownerUnitOf(db: Executor, eventId: string | undefined) {
  if (!eventId) return undefined;
  const [row] = await db.select({ unitId: events.ownerUnitId }).from(events).where(eq(events.id, eventId));
  return row?.unitId;
}

/**
 * NO KEY UPDATE rather than UPDATE: a registration's foreign key takes a KEY SHARE lock on
 * its event, which FOR UPDATE would block, and a sign-up holding its session's lock would
 * then deadlock with an event change waiting for that session.
 */
export async function lockEvent(tx: Executor, eventId: string) {
  const [row] = await tx.select().from(events).where(eq(events.id, eventId)).for('no key update');
  return row;
}

export async function countLiveSessions(tx: Executor, eventId: string) {
  const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(sessions).where(and(eq(sessions.eventId, eventId), eq(sessions.status, 'scheduled')));
  return row?.n ?? 0;
}
