import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Executor } from '../../db/client.js';
import type { Dimension } from './reports.schemas.js';

/** The sums a group's figures are made of; rates are divided out in figures.ts. */
export type FigureSums = {
  events: number; sessions: number; seatsOffered: number;
  registrationsIndividual: number; registrationsClass: number; peopleRegistered: number;
  checkedIn: number; recordedAttendance: number;
  /** Registered and checked-in headcount of sessions that have begun: the attendance rate's parts. */
  peopleStarted: number; checkedInStarted: number;
  /** Headcount confirmed when its session began, and the part of it never checked in. */
  confirmedAtStart: number; noShow: number;
  waitlistPeak: number; cancellations: number; scienceWorkers: number; volunteers: number;
};
export type GroupRow = { k1: string | null; k2: string | null } & FigureSums;
export type GroupFigures = { groups: GroupRow[]; totals: FigureSums };

export type ReportScope = {
  campaignId: string;
  /** Only sessions starting in [from, to). */
  from: Date | null; to: Date | null;
  /** Only events these units own or co-organize, and only these units' groups; null: every unit. */
  unitIds: string[] | null;
  now: Date;
};

/**
 * Which groups a session falls in along one dimension, with whether the session's figures
 * count there (`full`) and the recorded attendance the group gets. Event-level dimensions
 * put every session of an event in each of the event's groups (all its units, all its
 * audiences); month is the session's own, in the event's time zone. Audience is the one
 * with two sources: the event's audiences take the whole session, while headcounts
 * recorded per audience at sessions without registration go only to their own audience —
 * also one the event was not tagged with, which then gets those people and nothing else.
 */
function membership(dimension: Dimension, unitIds: string[] | null): SQL {
  const eventKey = (column: string) => sql.raw(`select sf.session_id, ${column} as key, true as full, sf.recorded from sf join ev on ev.id = sf.event_id`);
  switch (dimension) {
    case 'task': return eventKey('ev.task_id::text');
    case 'town': return eventKey('ev.town_id::text');
    case 'observance': return eventKey('ev.observance_id::text');
    case 'type': return eventKey('ev.type');
    case 'month': return sql`select sf.session_id, sf.month as key, true as full, sf.recorded from sf`;
    case 'unit': return sql`select sf.session_id, u.unit_id::text as key, true as full, sf.recorded from sf
      join (select ev.id as event_id, ev.owner_unit_id as unit_id from ev
            union select eu.event_id, eu.unit_id from event_units eu join ev on ev.id = eu.event_id) u on u.event_id = sf.event_id
      ${unitIds ? sql`where u.unit_id = any(${sql.param(unitIds)}::uuid[])` : sql``}`;
    case 'audience': return sql`select coalesce(a.session_id, r.session_id) as session_id, coalesce(a.key, r.key) as key,
        a.session_id is not null as full, coalesce(r.headcount, 0) as recorded
      from (select sf.session_id, ea.audience_slug as key from sf join event_audiences ea on ea.event_id = sf.event_id
            union all
            select sf.session_id, null from sf where not exists (select 1 from event_audiences ea where ea.event_id = sf.event_id)) a
      full join (select sa.session_id, sa.audience_slug as key, sa.headcount from session_attendance sa join sf on sf.session_id = sa.session_id) r
        on r.session_id = a.session_id and r.key = a.key`;
  }
}

/** The sums over a group's sessions; `only` keeps the sessions whose figures count there (see membership). */
const sums = (only: SQL, recorded: SQL) => sql`
    count(distinct sf.event_id) filter (${only})::int as "events",
    count(*) filter (${only})::int as "sessions",
    coalesce(sum(sf.seats) filter (${only}), 0)::int as "seatsOffered",
    coalesce(sum(sf.individual) filter (${only}), 0)::int as "registrationsIndividual",
    coalesce(sum(sf.class) filter (${only}), 0)::int as "registrationsClass",
    coalesce(sum(sf.people) filter (${only}), 0)::int as "peopleRegistered",
    coalesce(sum(sf.checked_in) filter (${only}), 0)::int as "checkedIn",
    coalesce(sum(${recorded}), 0)::int as "recordedAttendance",
    coalesce(sum(sf.people_started) filter (${only}), 0)::int as "peopleStarted",
    coalesce(sum(sf.checked_in_started) filter (${only}), 0)::int as "checkedInStarted",
    coalesce(sum(sf.confirmed_at_start) filter (${only}), 0)::int as "confirmedAtStart",
    coalesce(sum(sf.no_show) filter (${only}), 0)::int as "noShow",
    coalesce(sum(sf.peak) filter (${only}), 0)::int as "waitlistPeak",
    coalesce(sum(sf.cancellations) filter (${only}), 0)::int as "cancellations"`;

/**
 * One campaign's figures per group, and its totals, aggregated by PostgreSQL in one
 * statement: published events under the campaign's tasks, their scheduled sessions, and per
 * session its registrations, its waiting list's peak (kept on the session by a trigger,
 * migration 0013) and its recorded attendance. A session or event in several groups (an
 * event with two units) counts once in each; the totals are counted from the sessions
 * themselves, never by adding groups up, so they count it once.
 */
export async function groupFigures(db: Executor, scope: ReportScope, dimensions: [Dimension] | [Dimension, Dimension]): Promise<GroupFigures> {
  const rows = await db.transaction(async (tx) => {
    // The planner's row estimates over these joined CTEs come out absurdly high, which on
    // PostgreSQL switches on JIT compilation: seconds of compiling for a query that runs in
    // a tenth of that. Grouping 200,000 registrations by hash wants more than 4 MB.
    await tx.execute(sql`set local jit = off`);
    await tx.execute(sql`set local work_mem = '64MB'`);
    return rowsOf<GroupRow & { total: boolean }>(await tx.execute(groupFiguresQuery(scope, dimensions)));
  });
  const { total: _, k1: _k1, k2: _k2, ...totals } = rows.find((r) => r.total)!;
  return { groups: rows.filter((r) => !r.total).map(({ total: _t, ...row }) => row), totals };
}

export function groupFiguresQuery(scope: ReportScope, dimensions: [Dimension] | [Dimension, Dimension]): SQL {
  const [first, second] = dimensions;
  const recordedFrom = second === 'audience' ? 'd2' : 'd1';
  return sql`with
  ev as (
    select e.id, e.type, e.owner_unit_id, e.observance_id, e.task_id, e.science_workers, e.volunteers, e.timezone, v.town_id
    from events e
    join campaign_tasks t on t.id = e.task_id
    join campaign_sections cs on cs.id = t.section_id
    left join venues v on v.id = e.venue_id
    where cs.campaign_id = ${scope.campaignId} and e.status = 'published'
      ${scope.unitIds ? sql`and (e.owner_unit_id = any(${sql.param(scope.unitIds)}::uuid[])
        or exists (select 1 from event_units eu where eu.event_id = e.id and eu.unit_id = any(${sql.param(scope.unitIds)}::uuid[])))` : sql``}
  ),
  ss as (
    select s.id, s.event_id, s.starts_at, s.effective_capacity, s.waitlist_peak, s.seats_taken, s.seated_individual, s.seated_class,
      s.checked_in_headcount, s.attended_booked_headcount, s.cancelled_count,
      to_char(s.starts_at at time zone ev.timezone, 'YYYY-MM') as month,
      s.starts_at <= ${scope.now.toISOString()}::timestamptz as started
    from sessions s join ev on ev.id = s.event_id
    where s.status = 'scheduled'
      ${scope.from ? sql`and s.starts_at >= ${scope.from.toISOString()}::timestamptz` : sql``}
      ${scope.to ? sql`and s.starts_at < ${scope.to.toISOString()}::timestamptz` : sql``}
  ),
  -- No-shows: registrations of begun sessions never checked in that were confirmed at the
  -- start — by their current status when it last changed before the start, else by the
  -- history (only the few cancelled or promoted after the start). The tallies on the session
  -- give the rest; this reads only the unchecked rows (a partial index, migration 0014).
  no_show as (
    select r.session_id, sum(r.headcount) as headcount
    from registrations r join ss on ss.id = r.session_id and ss.started
    where r.checked_in_at is null and r.status in ('confirmed', 'cancelled')
      and case when r.status_changed_at <= ss.starts_at then r.status = 'confirmed'
        else coalesce((select h.status in ('confirmed', 'attended') from registration_history h
          where h.registration_id = r.id and h.changed_at <= ss.starts_at order by h.changed_at desc, h.id desc limit 1), false) end
    group by r.session_id
  ),
  recorded as (
    select sa.session_id, sum(sa.headcount) as total from session_attendance sa join ss on ss.id = sa.session_id group by sa.session_id
  ),
  -- Who was expected at a session's start: those checked in who had booked (walk-ins were
  -- not expected) and the no-shows.
  sf as materialized (
    select ss.id as session_id, ss.event_id, ss.month, coalesce(ss.effective_capacity, 0) as seats,
      ss.seated_individual as individual, ss.seated_class as class, ss.seats_taken as people,
      ss.checked_in_headcount as checked_in, ss.cancelled_count as cancellations,
      case when ss.started then ss.seats_taken else 0 end as people_started,
      case when ss.started then ss.checked_in_headcount else 0 end as checked_in_started,
      case when ss.started then ss.attended_booked_headcount + coalesce(no_show.headcount, 0) else 0 end as confirmed_at_start,
      coalesce(no_show.headcount, 0) as no_show,
      ss.waitlist_peak as peak, coalesce(recorded.total, 0) as recorded
    from ss
    left join no_show on no_show.session_id = ss.id
    left join recorded on recorded.session_id = ss.id
  ),
  d1 as (${membership(first, scope.unitIds)}),
  d2 as (${second ? membership(second, scope.unitIds) : sql`select sf.session_id, null::text as key, true as full, 0 as recorded from sf`}),
  m as (
    select d1.session_id, d1.key as k1, d2.key as k2, d1.full and d2.full as full, ${sql.raw(recordedFrom)}.recorded
    from d1 join d2 on d2.session_id = d1.session_id
  ),
  outreach as (
    select x.k1, x.k2, coalesce(sum(ev.science_workers), 0) as science_workers, coalesce(sum(ev.volunteers), 0) as volunteers
    from (select distinct m.k1, m.k2, sf.event_id from m join sf on sf.session_id = m.session_id where m.full) x
    join ev on ev.id = x.event_id
    group by x.k1, x.k2
  ),
  grouped as (
    select m.k1, m.k2, ${sums(sql`where m.full`, sql`m.recorded`)}
    from m join sf on sf.session_id = m.session_id
    group by m.k1, m.k2
  )
  -- Joined on coalesced keys, not "is not distinct from", which PostgreSQL can only compare
  -- pair by pair (hundreds of groups squared); no key is ever the empty string.
  select false as total, g.*, coalesce(o.science_workers, 0)::int as "scienceWorkers", coalesce(o.volunteers, 0)::int as "volunteers"
  from grouped g
  left join outreach o on coalesce(o.k1, '') = coalesce(g.k1, '') and coalesce(o.k2, '') = coalesce(g.k2, '')
  union all
  select true, null, null, ${sums(sql`where true`, sql`sf.recorded`)},
    (select coalesce(sum(ev.science_workers), 0)::int from ev where ev.id in (select event_id from sf)),
    (select coalesce(sum(ev.volunteers), 0)::int from ev where ev.id in (select event_id from sf))
  from sf`;
}
