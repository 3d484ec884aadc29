/**
 * The year's report on a real year's data. Seeds, on the local PostgreSQL (a database of its
 * own, dropped at the end), the 2024 plan with 5,000 published events (7,500 sessions) and
 * 200,000 registrations with their status history, check-ins and door counts, and the same
 * volume for a 2023 plan with the same tasks, so every report also computes last year's
 * figures. Then it asks the API (in process, through Fastify's inject, an admin's token) for
 * the report by each groupBy and a few pairs, and prints the median and p95 of 40 answers
 * after 3 warm-ups. Baseline, in the same run: one bare scan of the campaign's registrations
 * and history (count and sum), the least any report that reads them all must pay.
 *
 *   npx tsx bench/reports.ts [runs=40]
 *
 * DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test);
 * KEEP=1 keeps the seeded database afterwards.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { rowsOf } from '../src/db/client.js';
import { openDatabase } from '../src/db/open.js';
import { accounts, apiTokens, campaigns, observances, units, venues } from '../src/db/schema/index.js';
import { secretHash } from '../src/modules/accounts/secrets.js';
import { seedDatabase } from '../seeds/seed.js';
import { scratchDatabase } from './scratch-database.js';

const RUNS = Number(process.argv[2] ?? 40);
const EVENTS = 5_000;
const REGISTRATIONS = 200_000;
const ZONE = 'Asia/Shanghai';

const scratch = await scratchDatabase();
const config = loadConfig({ DATABASE_URL: scratch.url, LOG_LEVEL: 'silent', SEED_DEMO: 'false', SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789' });
const database = await openDatabase(config);
const { db } = database;

try {
  await seedDatabase(db, { timezone: ZONE });
  const [plan2024] = await db.select({ id: campaigns.id }).from(campaigns).where(sql`${campaigns.slug} = 'miyun-2024'`);
  // Last year's plan: the same sections and tasks, so the comparison matches every task.
  const [plan2023] = await db.insert(campaigns).values({ slug: 'bench-2023', year: 2023, titleZh: '2023年科普工作要点' }).returning({ id: campaigns.id });
  await db.execute(sql`with copied as (
      insert into campaign_sections (campaign_id, position, title_zh)
      select ${plan2023!.id}, position, title_zh from campaign_sections where campaign_id = ${plan2024!.id} returning id, position)
    insert into campaign_tasks (section_id, position, title_zh)
    select c.id, t.position, t.title_zh from campaign_tasks t join campaign_sections s on s.id = t.section_id join copied c on c.position = s.position
    where s.campaign_id = ${plan2024!.id}`);

  const unitIds = (await db.select({ id: units.id }).from(units)).map((r) => r.id);
  const venueIds = (await db.select({ id: venues.id }).from(venues)).map((r) => r.id);
  const observanceIds = (await db.select({ id: observances.id }).from(observances)).map((r) => r.id);
  const seedStarted = performance.now();
  for (const [year, campaignId] of [[2024, plan2024!.id], [2023, plan2023!.id]] as const) {
    const tag = `bench-${year}`;
    const taskIds = rowsOf<{ id: string }>(await db.execute(sql`select t.id from campaign_tasks t join campaign_sections s on s.id = t.section_id where s.campaign_id = ${campaignId} order by s.position, t.position`)).map((r) => r.id);
    // Ids derived from the row number (md5 → uuid), so sessions and registrations find their event without a lookup table.
    await db.execute(sql`insert into events (id, title_zh, type, status, owner_unit_id, observance_id, task_id, venue_id, timezone, registration_mode, capacity, science_workers, volunteers, published_at)
      select md5(${tag} || '-e' || i)::uuid, '科普活动' || i,
        (array['lecture','exhibition','open_day','workshop','study_tour','science_fair','competition','training'])[1 + i % 8],
        'published', (${sql.param(unitIds)}::uuid[])[1 + i % ${unitIds.length}],
        case when i % 3 = 0 then null else (${sql.param(observanceIds)}::uuid[])[1 + i % ${observanceIds.length}] end,
        (${sql.param(taskIds)}::uuid[])[1 + i % ${taskIds.length}], (${sql.param(venueIds)}::uuid[])[1 + (i * 7) % ${venueIds.length}],
        ${ZONE}, case when i % 5 = 0 then 'none' else 'both' end, 30 + i % 70, i % 6, i % 11, now()
      from generate_series(1, ${EVENTS}) i`);
    await db.execute(sql`insert into event_units (event_id, unit_id)
      select md5(${tag} || '-e' || i)::uuid, (${sql.param(unitIds)}::uuid[])[1 + (i + 5) % ${unitIds.length}] from generate_series(1, ${EVENTS}) i where i % 4 = 0`);
    await db.execute(sql`insert into event_audiences (event_id, audience_slug)
      select md5(${tag} || '-e' || i)::uuid, (array['youth','farmers','workers','elderly','officials','public','families'])[1 + i % 7] from generate_series(1, ${EVENTS}) i
      union select md5(${tag} || '-e' || i)::uuid, (array['youth','farmers','workers','elderly','officials','public','families'])[1 + (i + 3) % 7] from generate_series(1, ${EVENTS}) i where i % 3 = 0`);
    // Sessions spread over the year; every other event has a second one a week later.
    await db.execute(sql`insert into sessions (id, event_id, starts_at, ends_at)
      select md5(${tag} || '-s' || n)::uuid, md5(${tag} || '-e' || e)::uuid, start, start + interval '2 hours'
      from (select n, e, ${`${year}-01-02T01:00:00Z`}::timestamptz + (e - 1) * interval '100 minutes' + (n > ${EVENTS})::int * interval '7 days' as start
            from (select n, case when n <= ${EVENTS} then n else 2 * (n - ${EVENTS}) end as e from generate_series(1, ${EVENTS + EVENTS / 2}) n) numbered) s`);
    const sessionCount = EVENTS + EVENTS / 2;
    // Registrations: 10 % still waiting, 15 % cancelled, the rest seated, four in five of those checked in.
    // Times as the history below tells them: signed up a week before, promoted three days
    // before (every third), cancelled the day before, checked in at the start.
    await db.execute(sql`insert into registrations (id, seq, event_id, session_id, kind, status, headcount, contact_name, phone, consent_version, manage_token_hash, check_in_code, checked_in_headcount, checked_in_at, school, grade_class, created_at, status_changed_at)
      select md5(${tag} || '-r' || r)::uuid, r + ${year === 2024 ? 1_200_000 : 2_400_000}, s.event_id, s.id,
        case when r % 10 = 0 then 'class' else 'individual' end,
        case when r % 20 < 2 then 'waitlisted' when r % 20 < 5 then 'cancelled' when r % 5 = 0 then 'confirmed' else 'attended' end,
        case when r % 10 = 0 then 20 + r % 20 else 1 + r % 4 end,
        '报名人', case when r % 10 = 0 then null else '139' || lpad(r::text, 8, '0') end, 'v1', md5(${tag} || '-t' || r), 'C' || r,
        case when r % 20 >= 5 and r % 5 <> 0 then greatest(0, (case when r % 10 = 0 then 20 + r % 20 else 1 + r % 4 end) - r % 2) end,
        case when r % 20 >= 5 and r % 5 <> 0 then s.starts_at end,
        case when r % 10 = 0 then '第' || r || '小学' end, case when r % 10 = 0 then '一班' end,
        s.starts_at - interval '7 days',
        case when r % 20 < 2 then s.starts_at - interval '7 days' when r % 20 < 5 then s.starts_at - interval '1 day'
          when r % 5 <> 0 then s.starts_at when r % 3 = 0 then s.starts_at - interval '3 days' else s.starts_at - interval '7 days' end
      from generate_series(1, ${REGISTRATIONS}) r
      join sessions s on s.id = md5(${tag} || '-s' || (1 + r % ${sessionCount}))::uuid`);
    // History: every sign-up a week before its session (waiting or confirmed); then the cancellations,
    // promotions of a third of the waiting, and check-ins at the start.
    await db.execute(sql`insert into registration_history (registration_id, session_id, status, headcount, reason, changed_at)
      select r.id, r.session_id, case when r.status = 'waitlisted' or r.seq % 3 = 0 then 'waitlisted' else 'confirmed' end, r.headcount, 'signed_up', s.starts_at - interval '7 days'
      from registrations r join sessions s on s.id = r.session_id where r.event_id in (select id from events where task_id = any(${sql.param(taskIds)}::uuid[]))
      union all
      select r.id, r.session_id, 'confirmed', r.headcount, 'promoted', s.starts_at - interval '3 days'
      from registrations r join sessions s on s.id = r.session_id where r.status <> 'waitlisted' and r.seq % 3 = 0 and r.event_id in (select id from events where task_id = any(${sql.param(taskIds)}::uuid[]))
      union all
      select r.id, r.session_id, r.status, r.headcount, case when r.status = 'cancelled' then 'cancelled' else 'checked_in' end, s.starts_at - interval '1 day' + (r.status = 'attended')::int * interval '1 day'
      from registrations r join sessions s on s.id = r.session_id where r.status in ('cancelled', 'attended') and r.event_id in (select id from events where task_id = any(${sql.param(taskIds)}::uuid[]))`);
    await db.execute(sql`insert into session_attendance (session_id, audience_slug, headcount)
      select s.id, 'public', 50 + n % 100 from generate_series(1, ${sessionCount}) n join sessions s on s.id = md5(${tag} || '-s' || n)::uuid
      join events e on e.id = s.event_id where e.registration_mode = 'none'`);
  }
  await db.execute(sql`select setval(pg_get_serial_sequence('registrations', 'seq'), (select max(seq) from registrations))`);
  // Seeding wrote every registration's tally to its session in one statement, leaving the
  // sessions table 25 times its size in dead rows; sign-ups one at a time leave it compact
  // (updates of the same page are pruned), so the bench compacts it as a year of use would.
  await db.execute(sql`vacuum full sessions`);
  await db.execute(sql`vacuum analyze`);
  // The seeding's writes flushed now, not by a checkpoint in the middle of the timings.
  await db.execute(sql`checkpoint`);
  const counts = rowsOf<{ events: number; registrations: number; history: number }>(await db.execute(sql`select
    (select count(*)::int from events) as events, (select count(*)::int from registrations) as registrations, (select count(*)::int from registration_history) as history`))[0]!;
  console.log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s: ${counts.events} events, ${counts.registrations} registrations, ${counts.history} history rows (two years)`);

  const [account] = await db.insert(accounts).values({ email: 'bench@example.cn', displayName: 'bench', role: 'admin' }).returning();
  const token = `bench-${crypto.randomUUID()}`;
  await db.insert(apiTokens).values({ accountId: account!.id, name: 'bench', prefix: token.slice(0, 9), secretHash: secretHash(token), scope: 'read' });
  const app = await buildApp({ config, database });
  await app.ready();

  async function timed(run: () => Promise<unknown>) {
    for (let i = 0; i < 3; i++) await run();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await run();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)]!, p95: times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]! };
  }

  const baseline = await timed(() => db.execute(sql`select
    (select count(*) + coalesce(sum(r.headcount), 0) from registrations r join sessions s on s.id = r.session_id join events e on e.id = s.event_id
      join campaign_tasks t on t.id = e.task_id join campaign_sections cs on cs.id = t.section_id where cs.campaign_id = ${plan2024!.id}),
    (select count(*) from registration_history h join sessions s on s.id = h.session_id join events e on e.id = s.event_id
      join campaign_tasks t on t.id = e.task_id join campaign_sections cs on cs.id = t.section_id where cs.campaign_id = ${plan2024!.id})`));
  console.log(`\nbaseline: one scan of the 2024 plan's registrations and history: median ${baseline.median.toFixed(1)} ms, p95 ${baseline.p95.toFixed(1)} ms`);
  console.log(`\nGET /api/v1/reports/campaigns/{2024 plan}?groupBy=… (with the 2023 comparison), ${RUNS} runs each:`);
  console.log('groupBy              median ms   p95 ms   × baseline   groups');
  for (const groupBy of ['task', 'unit', 'audience', 'town', 'observance', 'month', 'type', 'task,audience', 'unit,month', 'town,audience']) {
    let groups = 0;
    const result = await timed(async () => {
      const res = await app.inject({ url: `/api/v1/reports/campaigns/${plan2024!.id}?groupBy=${groupBy}`, headers: { authorization: `Bearer ${token}` } });
      if (res.statusCode !== 200) throw new Error(`${groupBy}: ${res.statusCode} ${res.body}`);
      groups = res.json<{ groups: unknown[] }>().groups.length;
    });
    console.log(`${groupBy.padEnd(20)} ${result.median.toFixed(1).padStart(9)} ${result.p95.toFixed(1).padStart(8)} ${(result.median / baseline.median).toFixed(1).padStart(12)} ${String(groups).padStart(8)}`);
  }
  const xlsx = await timed(async () => {
    const res = await app.inject({ url: `/api/v1/reports/campaigns/${plan2024!.id}/export?groupBy=task,audience&format=xlsx`, headers: { authorization: `Bearer ${token}` } });
    if (res.statusCode !== 200) throw new Error(res.body);
  });
  console.log(`export task,audience as XLSX: median ${xlsx.median.toFixed(1)} ms, p95 ${xlsx.p95.toFixed(1)} ms`);
  await app.close();
} finally {
  await database.close();
  // KEEP=1 leaves the seeded database for EXPLAIN ANALYZE (its name is printed).
  if (process.env.KEEP) {
    await scratch.keep();
    console.log(`kept database ${scratch.name}`);
  } else await scratch.drop();
}
