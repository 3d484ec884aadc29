import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { Value } from '@sinclair/typebox/value';
import {
  seedAudiences,
  seedCampaign2024,
  seedEventTemplates,
  seedObservances,
  seedTowns,
  seedUnitAliasesZh,
  seedUnits,
  seedVenues,
  type SeedEventTemplate,
} from '../seeds/data/index.js';
import { UNIT_KINDS, VENUE_KINDS } from '../src/db/schema/reference.js';
import { OBSERVANCE_KINDS } from '../src/db/schema/observances.js';
import { EVENT_TYPES, REGISTRATION_MODES } from '../src/db/schema/events.js';
import { ObservanceRuleSchema } from '../src/modules/observances/rule-schema.js';
import { occurrenceFor, validateRule } from '../src/modules/observances/occurrences.js';

/** Outside the repository; the checks against them are skipped when they are absent. */
const DOMAIN_MD = '/work/shared/DOMAIN.md';
const PLAN_TXT = '/work/shared/seed/000_f2f9f710f433b6da.txt';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

const duplicates = (values: string[]): string[] => values.filter((v, i) => values.indexOf(v) !== i);
const has = <T extends string>(list: readonly T[], value: string): boolean => (list as readonly string[]).includes(value);

const townSlugs = new Set(seedTowns.map((x) => x.slug));
const unitSlugs = new Set(seedUnits.map((x) => x.slug));
const audienceSlugs = new Set(seedAudiences.map((x) => x.slug));
const venueBySlug = new Map(seedVenues.map((x) => [x.slug, x]));
const observanceBySlug = new Map(seedObservances.map((x) => [x.slug, x]));
const allTasks = seedCampaign2024.sections.flatMap((s) => s.tasks);
const taskKeys = new Set(allTasks.map((x) => x.key));

t.test('slugs and keys are well formed and unique', async (t) => {
  const lists: [string, string[]][] = [
    ['towns', seedTowns.map((x) => x.slug)],
    ['units', seedUnits.map((x) => x.slug)],
    ['audiences', seedAudiences.map((x) => x.slug)],
    ['observances', seedObservances.map((x) => x.slug)],
    ['venues', seedVenues.map((x) => x.slug)],
    ['task keys', allTasks.map((x) => x.key)],
    ['event keys', seedEventTemplates.map((x) => x.key)],
  ];
  for (const [name, slugs] of lists) {
    t.same(duplicates(slugs), [], `${name}: no duplicates`);
    t.same(slugs.filter((s) => !SLUG.test(s)), [], `${name}: kebab-case`);
  }
  t.same(duplicates(seedTowns.map((x) => x.nameZh)), [], 'town names unique');
  t.same(duplicates(seedUnits.map((x) => x.nameZh)), [], 'unit names unique');
});

t.test('towns', async (t) => {
  t.equal(seedTowns.length, 20, '20 towns and subdistricts');
  for (const slug of ['gulou-subdistrict', 'miyun-town', 'xiwengzhuang-town', 'tanying-area']) t.ok(townSlugs.has(slug), slug);
  for (const town of seedTowns) t.ok(town.nameZh && town.nameEn, `${town.slug} has names`);
});

t.test('units', async (t) => {
  for (const unit of seedUnits) {
    t.ok(has(UNIT_KINDS, unit.kind), `${unit.slug}: kind ${unit.kind}`);
    t.ok(unit.nameZh && unit.nameEn, `${unit.slug}: names`);
    if (unit.kind === 'town') t.ok(unit.townSlug !== undefined && townSlugs.has(unit.townSlug), `${unit.slug}: known town`);
    else t.equal(unit.townSlug, undefined, `${unit.slug}: no town`);
  }
  const association = seedUnits.filter((u) => u.kind === 'association');
  t.same(association.map((u) => u.slug), ['district-cast'], 'the 区科协 is the one association');
  t.equal(seedUnits.filter((u) => u.kind === 'bureau').length, 23, '23 bureaus (the 24 DOMAIN.md units less the association)');
  t.same(
    seedTowns.filter((town) => !seedUnits.some((u) => u.kind === 'town' && u.townSlug === town.slug)).map((x) => x.slug),
    [],
    'every town is a unit',
  );
  for (const [alias, slug] of Object.entries(seedUnitAliasesZh)) t.ok(unitSlugs.has(slug), `alias ${alias} → ${slug}`);
  t.ok(unitSlugs.has('district-education'), 'district-education');
});

t.test('audiences', async (t) => {
  t.same(
    seedAudiences.map((a) => [a.slug, a.nameZh]),
    [
      ['youth', '青少年'], ['farmers', '农民'], ['workers', '产业工人'], ['elderly', '老年人'],
      ['officials', '领导干部和公务员'], ['public', '社会公众'], ['families', '亲子家庭'],
    ],
  );
  t.same(duplicates(seedAudiences.map((a) => String(a.position))), [], 'positions unique');
  t.same(seedAudiences.map((a) => a.position), [...seedAudiences.map((a) => a.position)].sort((a, b) => a - b), 'positions ascending');
});

t.test('observances', async (t) => {
  const required = [
    'world-water-day', 'world-meteorological-day', 'national-security-education-day', 'earth-day', 'china-space-day',
    'world-ip-day', 'disaster-prevention-day', 'national-nutrition-week', 'urban-water-saving-week',
    'international-museum-day', 'science-technology-week', 'energy-saving-week', 'world-environment-day',
    'world-oceans-day', 'cultural-natural-heritage-day', 'work-safety-month', 'science-popularisation-day',
    'social-science-week', 'constitution-week', 'student-science-festival',
  ];
  t.same(required.filter((s) => !observanceBySlug.has(s)), [], 'every DOMAIN.md observance is present');

  for (const o of seedObservances) {
    t.ok(has(OBSERVANCE_KINDS, o.kind), `${o.slug}: kind ${o.kind}`);
    t.ok(o.nameZh && o.nameEn, `${o.slug}: names`);
    t.ok(o.rules.length > 0, `${o.slug}: has a rule`);
    for (const r of o.rules) {
      t.ok(Value.Check(ObservanceRuleSchema, r.rule), `${o.slug}: rule matches the schema`);
      t.same(validateRule(r.rule), [], `${o.slug}: rule is valid`);
      if (r.validFromYear !== null && r.validToYear !== null) t.ok(r.validFromYear <= r.validToYear, `${o.slug}: year range`);
    }
    // Rules must not overlap in years.
    const sorted = [...o.rules].sort((a, b) => (a.validFromYear ?? -Infinity) - (b.validFromYear ?? -Infinity));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const next = sorted[i]!;
      t.ok(prev.validToYear !== null && next.validFromYear !== null && prev.validToYear < next.validFromYear, `${o.slug}: rules do not overlap`);
    }
    t.same(duplicates(o.overrides.map((x) => String(x.year))), [], `${o.slug}: one override per year`);
    for (const ov of o.overrides) {
      t.ok(ISO_DATE.test(ov.startDate) && ISO_DATE.test(ov.endDate), `${o.slug} ${ov.year}: ISO dates`);
      t.ok(ov.startDate <= ov.endDate, `${o.slug} ${ov.year}: start ≤ end`);
      t.equal(ov.startDate.slice(0, 4), String(ov.year), `${o.slug} ${ov.year}: starts in its year`);
      t.ok(DateTime.fromISO(ov.startDate).isValid && DateTime.fromISO(ov.endDate).isValid, `${o.slug} ${ov.year}: real dates`);
    }
  }

  // Only the overrides DOMAIN.md states as facts.
  const overrides = seedObservances.flatMap((o) => o.overrides.map((x) => `${o.slug}:${x.startDate}..${x.endDate}`)).sort();
  t.same(overrides, [
    'science-popularisation-day:2017-09-16..2017-09-22',
    'science-popularisation-day:2020-09-19..2020-09-25',
    'science-technology-week:2024-05-25..2024-06-01',
  ]);

  const dates = (slug: string, year: number) => {
    const o = observanceBySlug.get(slug);
    if (!o) throw new Error(`no observance ${slug}`);
    const occ = occurrenceFor(o.rules, o.overrides, year);
    return occ && occ.status === 'scheduled' ? `${occ.startDate}..${occ.endDate}${occ.provisional ? ' (provisional)' : ''}` : occ?.status ?? null;
  };
  t.equal(dates('world-water-day', 2024), '2024-03-22..2024-03-22');
  t.equal(dates('constitution-week', 2024), '2024-12-01..2024-12-07');
  t.equal(dates('cultural-natural-heritage-day', 2024), '2024-06-08..2024-06-08', 'second Saturday of June 2024');
  t.equal(dates('work-safety-month', 2024), '2024-06-01..2024-06-30');
  t.equal(dates('science-technology-week', 2024), '2024-05-25..2024-06-01');
  t.equal(dates('science-technology-week', 2025), '2025-05-31..2025-06-07 (provisional)');
  t.equal(dates('urban-water-saving-week', 2024), '2024-05-13..2024-05-19 (provisional)');
  // The fallback reproduces the known years.
  const sciDay = observanceBySlug.get('science-popularisation-day')!;
  t.equal(dates('science-popularisation-day', 2017), '2017-09-16..2017-09-22');
  t.same(occurrenceFor(sciDay.rules, [], 2017), { year: 2017, status: 'scheduled', startDate: '2017-09-16', endDate: '2017-09-22', source: 'fallback', provisional: true });
  t.same(occurrenceFor(sciDay.rules, [], 2020)?.startDate, '2020-09-19');
  t.equal(dates('science-popularisation-day', 2025), '2025-09-01..2025-09-30', 'a month from 2025');
  t.equal(dates('student-science-festival', 2024), 'to_be_announced');
});

t.test('observances cover the themed days named in DOMAIN.md and in the plan', async (t) => {
  const texts = seedObservances.map((o) => `${o.nameZh} ${o.descriptionZh ?? ''}`);
  const covered = (name: string) => texts.some((x) => x.includes(name));
  if (existsSync(DOMAIN_MD)) {
    const md = readFileSync(DOMAIN_MD, 'utf8');
    const table = md.split('## Themed days named in the plan')[1]?.split('\n## ')[0] ?? '';
    const rows = table.split('\n').filter((l) => l.startsWith('|') && !l.includes('---') && !l.includes('中文'));
    t.ok(rows.length >= 20, `${rows.length} table rows`);
    for (const row of rows) {
      const zh = row.split('|')[2]?.trim() ?? '';
      for (const name of zh.split(/\s*(?:\/|→)\s*/).filter(Boolean)) t.ok(covered(name), `DOMAIN.md: ${name}`);
    }
  } else t.comment(`skipped: ${DOMAIN_MD} not found`);
  if (existsSync(PLAN_TXT)) {
    const plan = readFileSync(PLAN_TXT, 'utf8');
    const list = /结合(.+?)等，开展形式多样/.exec(plan)?.[1] ?? '';
    const names = list.split(/、|等纪念日及|(?<=[日周月])和/).map((x) => x.trim()).filter(Boolean);
    t.ok(names.length >= 15, `${names.length} themed days in task 三(二)`);
    for (const name of names) t.ok(covered(name), `plan: ${name}`);
  } else t.comment(`skipped: ${PLAN_TXT} not found`);
});

t.test('campaign 2024', async (t) => {
  t.equal(seedCampaign2024.slug, 'miyun-2024');
  t.equal(seedCampaign2024.year, 2024);
  t.equal(seedCampaign2024.titleZh, '2024年密云区科普工作要点');
  t.equal(seedCampaign2024.sections.length, 6);
  for (const section of seedCampaign2024.sections) {
    t.ok(section.titleZh && section.titleEn, `section ${section.titleZh}`);
    t.ok(section.tasks.length > 0, `${section.titleZh}: has tasks`);
    for (const task of section.tasks) {
      t.ok(task.titleZh && task.titleEn && task.descriptionZh, `${task.key}: texts`);
      t.ok(task.descriptionZh.length <= 220, `${task.key}: description is short (${task.descriptionZh.length})`);
      t.same(task.leadUnitSlugs.filter((s) => !unitSlugs.has(s)), [], `${task.key}: lead units exist`);
      t.same(duplicates(task.leadUnitSlugs), [], `${task.key}: lead units unique`);
    }
  }
});

t.test('campaign 2024 matches the plan text', { skip: existsSync(PLAN_TXT) ? false : `${PLAN_TXT} not found` }, async (t) => {
  const lines = readFileSync(PLAN_TXT, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  type Parsed = { title: string; tasks: { title: string; text: string; leads: string }[] };
  const sections: Parsed[] = [];
  let expectText = false;
  for (const line of lines) {
    const section = /^[一二三四五六七八九十]+、(.+)$/.exec(line);
    const task = /^（[一二三四五六七八九十]+）(.+)$/.exec(line);
    const current = sections[sections.length - 1];
    if (section) {
      sections.push({ title: section[1]!, tasks: [] });
      expectText = true; // a section without numbered tasks has its text right below
    } else if (task && current) {
      current.tasks.push({ title: task[1]!, text: '', leads: '' });
      expectText = true;
    } else if (line.startsWith('责任单位：') && current) {
      if (current.tasks.length === 0) current.tasks.push({ title: current.title, text: '', leads: '' });
      current.tasks[current.tasks.length - 1]!.leads = line.slice('责任单位：'.length);
    } else if (expectText && current) {
      const target = current.tasks[current.tasks.length - 1];
      if (target) target.text = line;
      else current.tasks.push({ title: current.title, text: line, leads: '' });
      expectText = false;
    }
  }

  t.same(sections.map((s) => s.title), seedCampaign2024.sections.map((s) => s.titleZh), 'section titles in order');
  const nameToSlug = new Map<string, string>([
    ...seedUnits.map((u) => [u.nameZh, u.slug] as [string, string]),
    ...Object.entries(seedUnitAliasesZh),
  ]);
  const catchAll = new Set(['各镇（街道）（地区）', '各成员单位']);
  sections.forEach((parsed, i) => {
    const seeded = seedCampaign2024.sections[i];
    if (!seeded) return;
    t.same(seeded.tasks.map((x) => x.titleZh), parsed.tasks.map((x) => x.title), `${parsed.title}: task titles in order`);
    parsed.tasks.forEach((p, j) => {
      const task = seeded.tasks[j];
      if (!task) return;
      t.ok(p.text.startsWith(task.descriptionZh.replace(/。$/, '')), `${task.key}: description is the start of the task text`);
      const names = p.leads.split('、').map((x) => x.replace(/及其他成员单位$/, '').trim()).filter((x) => x && !catchAll.has(x));
      const unmapped = names.filter((x) => !nameToSlug.has(x));
      t.same(unmapped, [], `${task.key}: every named lead unit maps to a unit`);
      t.same(task.leadUnitSlugs, names.map((x) => nameToSlug.get(x)), `${task.key}: lead units as in the text, in order`);
    });
  });
});

t.test('venues', async (t) => {
  for (const v of seedVenues) {
    t.ok(has(VENUE_KINDS, v.kind), `${v.slug}: kind ${v.kind}`);
    t.ok(v.nameZh && v.nameEn && v.addressZh, `${v.slug}: names and address`);
    t.ok(Number.isInteger(v.capacity) && v.capacity > 0, `${v.slug}: positive capacity`);
    t.equal(v.isOnline, v.kind === 'online', `${v.slug}: online exactly when kind is online`);
    if (v.isOnline) {
      t.equal(v.latitude, undefined, `${v.slug}: online, no coordinates`);
      t.equal(v.longitude, undefined, `${v.slug}: online, no coordinates`);
    } else {
      t.ok(v.townSlug !== undefined && townSlugs.has(v.townSlug), `${v.slug}: in a known town`);
      t.ok(v.latitude !== undefined && v.longitude !== undefined, `${v.slug}: has coordinates`);
      // Miyun District lies roughly within 40.2–40.8 N, 116.6–117.5 E.
      t.ok(v.latitude! > 40.2 && v.latitude! < 40.8 && v.longitude! > 116.6 && v.longitude! < 117.5, `${v.slug}: coordinates in Miyun`);
    }
    if (v.townSlug !== undefined) t.ok(townSlugs.has(v.townSlug), `${v.slug}: known town`);
  }
  const kinds = new Set(seedVenues.map((v) => v.kind));
  for (const kind of VENUE_KINDS.filter((k) => k !== 'other' && k !== 'school')) t.ok(kinds.has(kind), `a ${kind} venue`);
});

t.test('demo events', async (t) => {
  for (const e of seedEventTemplates) {
    const where = e.key;
    t.ok(observanceBySlug.has(e.observanceSlug), `${where}: observance ${e.observanceSlug}`);
    t.ok(unitSlugs.has(e.ownerUnitSlug), `${where}: owner ${e.ownerUnitSlug}`);
    t.same(e.coUnitSlugs.filter((s) => !unitSlugs.has(s)), [], `${where}: co-units exist`);
    t.notOk(e.coUnitSlugs.includes(e.ownerUnitSlug), `${where}: owner is not also a co-unit`);
    t.same(duplicates(e.coUnitSlugs), [], `${where}: co-units unique`);
    t.ok(e.audienceSlugs.length > 0, `${where}: has an audience`);
    t.same(e.audienceSlugs.filter((s) => !audienceSlugs.has(s)), [], `${where}: audiences exist`);
    t.same(duplicates(e.audienceSlugs), [], `${where}: audiences unique`);
    t.ok(venueBySlug.has(e.venueSlug), `${where}: venue ${e.venueSlug}`);
    t.ok(taskKeys.has(e.taskKey), `${where}: task ${e.taskKey}`);
    t.ok(has(EVENT_TYPES, e.type), `${where}: type ${e.type}`);
    t.ok(has(REGISTRATION_MODES, e.registrationMode), `${where}: registration mode ${e.registrationMode}`);
    t.ok(e.titleZh && e.titleEn && e.descriptionZh && e.descriptionEn, `${where}: texts`);
    t.ok(e.dayOffset === undefined || (Number.isInteger(e.dayOffset) && e.dayOffset >= 0), `${where}: dayOffset`);
    const venue = venueBySlug.get(e.venueSlug);
    if (e.capacity !== undefined) {
      t.ok(Number.isInteger(e.capacity) && e.capacity > 0, `${where}: positive capacity`);
      if (venue) t.ok(e.capacity <= venue.capacity, `${where}: capacity within the venue's`);
    }
    if (e.registrationMode !== 'none') t.ok(e.capacity !== undefined, `${where}: a registration event states its seats`);
    t.ok(e.sessions.length > 0, `${where}: has sessions`);
    for (const s of e.sessions) {
      t.ok(HH_MM.test(s.startTime), `${where}: start ${s.startTime}`);
      t.ok(Number.isInteger(s.durationMinutes) && s.durationMinutes > 0, `${where}: positive duration`);
      const [h, m] = s.startTime.split(':').map(Number);
      t.ok((h ?? 0) * 60 + (m ?? 0) + s.durationMinutes <= 24 * 60, `${where}: ends the same day`);
      t.ok(s.dayOffset === undefined || (Number.isInteger(s.dayOffset) && s.dayOffset >= 0), `${where}: session dayOffset`);
    }
  }

  // Coverage the brief asks for.
  const used = <K extends keyof SeedEventTemplate>(k: K) => new Set(seedEventTemplates.map((e) => e[k]));
  t.ok(seedEventTemplates.length >= 20 && seedEventTemplates.length <= 25, `${seedEventTemplates.length} events`);
  t.same([...REGISTRATION_MODES].filter((m) => !used('registrationMode').has(m)), [], 'every registration mode');
  const audiences = new Set(seedEventTemplates.flatMap((e) => e.audienceSlugs));
  t.same(['youth', 'farmers', 'workers', 'elderly', 'officials'].filter((a) => !audiences.has(a)), [], 'all five key groups');
  t.ok(used('type').size >= 8, `${used('type').size} event types`);
  t.ok(seedEventTemplates.some((e) => e.sessions.length > 1), 'a multi-session event');
  t.ok(seedEventTemplates.some((e) => venueBySlug.get(e.venueSlug)?.isOnline), 'an online event');
  t.ok(seedEventTemplates.some((e) => e.type === 'science_fair' && seedUnits.find((u) => u.slug === e.ownerUnitSlug)?.kind === 'town'), 'a science fair run by a town');
  const towns = new Set(seedEventTemplates.map((e) => venueBySlug.get(e.venueSlug)?.townSlug).filter(Boolean));
  t.ok(towns.size >= 5, `events in ${towns.size} towns`);
  t.ok(used('observanceSlug').size >= seedObservances.length - 2, `${used('observanceSlug').size} of ${seedObservances.length} observances have events`);
});

t.test('demo events placed in 2024 and 2025 fall inside their occurrence and do not double-book a venue', async (t) => {
  for (const year of [2024, 2025]) {
    const slots: { key: string; venue: string; start: DateTime; end: DateTime }[] = [];
    for (const e of seedEventTemplates) {
      const o = observanceBySlug.get(e.observanceSlug);
      if (!o) continue;
      const occ = occurrenceFor(o.rules, o.overrides, year);
      if (!occ || occ.status !== 'scheduled') continue; // to be announced: the seeder cannot place it
      const first = DateTime.fromISO(occ.startDate, { zone: 'Asia/Shanghai' });
      const last = DateTime.fromISO(occ.endDate, { zone: 'Asia/Shanghai' });
      for (const s of e.sessions) {
        const day = first.plus({ days: (e.dayOffset ?? 0) + (s.dayOffset ?? 0) });
        t.ok(day <= last, `${year} ${e.key}: session day ${day.toISODate()} within ${occ.startDate}..${occ.endDate}`);
        const [h, m] = s.startTime.split(':').map(Number);
        const start = day.set({ hour: h ?? 0, minute: m ?? 0 });
        slots.push({ key: e.key, venue: e.venueSlug, start, end: start.plus({ minutes: s.durationMinutes }) });
      }
    }
    const clashes: string[] = [];
    slots.forEach((a, i) => {
      if (venueBySlug.get(a.venue)?.allowsSharedUse) return;
      for (const b of slots.slice(i + 1)) {
        if (a.venue === b.venue && a.key !== b.key && a.start < b.end && b.start < a.end) clashes.push(`${a.key} × ${b.key} at ${a.venue}`);
      }
    });
    t.same(clashes, [], `${year}: no double booking`);
  }
});
