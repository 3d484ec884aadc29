import { and, asc, count, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database, Executor } from '../../db/client.js';
import { events, observanceOverrides, observanceRules, observances } from '../../db/schema/index.js';
import { fieldError, notFound, unprocessable, type FieldProblem } from '../../lib/problems.js';
import { recordAudit, type Actor } from '../audit/audit.js';
import { occurrenceFor, validateRule, type RuleEntry } from './occurrences.js';
import type { CreateObservanceBody, ObservanceResponse, OccurrenceResponse, OverrideBody, UpdateObservanceBody } from './observances.schemas.js';

type RuleInput = CreateObservanceBody['rules'][number];

/** Rule problems as field errors; year ranges of one observance's rules must not overlap. */
function checkRules(rules: RuleInput[]) {
  const errors: FieldProblem[] = [];
  rules.forEach((entry, i) => {
    for (const problem of validateRule(entry.rule)) {
      const [path, ...rest] = problem.split(': ');
      errors.push(fieldError(`/rules/${i}/rule${path?.startsWith('/') ? path : ''}`, rest.length ? rest.join(': ') : problem));
    }
    const from = entry.validFromYear ?? -Infinity;
    const to = entry.validToYear ?? Infinity;
    if (from > to) errors.push(fieldError(`/rules/${i}/validToYear`, 'is before validFromYear'));
    rules.slice(0, i).forEach((other, j) => {
      if (from <= (other.validToYear ?? Infinity) && (other.validFromYear ?? -Infinity) <= to) {
        errors.push(fieldError(`/rules/${i}`, `covers years also covered by /rules/${j}`));
      }
    });
  });
  if (errors.length) throw unprocessable('invalid_rule', 'The observance rules are not consistent.', errors);
}

function checkOverride(year: number, body: OverrideBody) {
  const start = DateTime.fromISO(body.startDate, { zone: 'utc' });
  const end = DateTime.fromISO(body.endDate, { zone: 'utc' });
  const errors: FieldProblem[] = [];
  if (start.year !== year) errors.push(fieldError('/startDate', `is not in ${year}`));
  if (end < start) errors.push(fieldError('/endDate', 'is before startDate'));
  else if (end.diff(start, 'days').days > 366) errors.push(fieldError('/endDate', 'makes the occurrence longer than a year'));
  if (errors.length) throw unprocessable('invalid_override', 'The dates do not make a valid occurrence.', errors);
}

export function toOccurrence(rules: RuleEntry[], overrides: { year: number; startDate: string; endDate: string }[], year: number): OccurrenceResponse {
  const found = occurrenceFor(rules, overrides, year);
  if (!found) return { year, status: 'not_observed', startDate: null, endDate: null, source: null, provisional: false };
  return { year, status: found.status, startDate: found.startDate, endDate: found.endDate, source: found.source, provisional: found.provisional };
}

async function loadAll(db: Executor, ids?: string[]): Promise<ObservanceResponse[]> {
  const rows = await db.select({
    id: observances.id, slug: observances.slug, kind: observances.kind, nameZh: observances.nameZh, nameEn: observances.nameEn,
    descriptionZh: observances.descriptionZh, descriptionEn: observances.descriptionEn, updatedAt: observances.updatedAt,
  }).from(observances).where(ids ? inArray(observances.id, ids) : undefined).orderBy(asc(observances.slug));
  if (rows.length === 0) return [];
  const idList = rows.map((r) => r.id);
  const [rules, overrides] = await Promise.all([
    db.select({ observanceId: observanceRules.observanceId, validFromYear: observanceRules.validFromYear, validToYear: observanceRules.validToYear, rule: observanceRules.rule })
      // PostgreSQL sorts nulls last by default; an open start (null) is the earliest rule.
      .from(observanceRules).where(inArray(observanceRules.observanceId, idList)).orderBy(sql`${observanceRules.validFromYear} asc nulls first`),
    db.select({ observanceId: observanceOverrides.observanceId, year: observanceOverrides.year, startDate: observanceOverrides.startDate, endDate: observanceOverrides.endDate, noteZh: observanceOverrides.noteZh, noteEn: observanceOverrides.noteEn })
      .from(observanceOverrides).where(inArray(observanceOverrides.observanceId, idList)).orderBy(asc(observanceOverrides.year)),
  ]);
  return rows.map((row) => ({
    ...row,
    updatedAt: row.updatedAt.toISOString(),
    rules: rules.filter((r) => r.observanceId === row.id).map(({ observanceId: _, ...r }) => r),
    overrides: overrides.filter((o) => o.observanceId === row.id).map(({ observanceId: _, ...o }) => o),
  }));
}

export function createObservancesService({ db, timezone }: { db: Database; timezone: string }) {
  async function idOf(slug: string): Promise<string> {
    const [row] = await db.select({ id: observances.id }).from(observances).where(eq(observances.slug, slug));
    if (!row) throw notFound('observance', slug);
    return row.id;
  }
  async function get(slug: string): Promise<ObservanceResponse> {
    const [found] = await loadAll(db, [await idOf(slug)]);
    return found!;
  }
  const touch = (tx: Executor, id: string) => tx.update(observances).set({ updatedAt: sql`now()` }).where(eq(observances.id, id));

  return {
    list: () => loadAll(db),
    get,

    async occurrence(slug: string, year: number): Promise<OccurrenceResponse> {
      const observance = await get(slug);
      return toOccurrence(observance.rules, observance.overrides, year);
    },

    /** Every themed day of a year with its dates and the published events that start that year. */
    async calendar(year: number) {
      const start = DateTime.fromObject({ year }, { zone: timezone });
      const [all, counts] = await Promise.all([
        loadAll(db),
        db.select({ observanceId: events.observanceId, n: count() }).from(events)
          .where(and(eq(events.status, 'published'), gte(events.firstStartAt, start.toJSDate()), lt(events.firstStartAt, start.plus({ years: 1 }).toJSDate())))
          .groupBy(events.observanceId),
      ]);
      const byObservance = new Map(counts.map((c) => [c.observanceId, c.n]));
      const items = all.map((o) => ({
        observance: { id: o.id, slug: o.slug, kind: o.kind, nameZh: o.nameZh, nameEn: o.nameEn },
        occurrence: toOccurrence(o.rules, o.overrides, year),
        publishedEvents: byObservance.get(o.id) ?? 0,
      }));
      // Dated occurrences in calendar order; to-be-announced and absent ones after them.
      items.sort((a, b) => (a.occurrence.startDate ?? '9999').localeCompare(b.occurrence.startDate ?? '9999') || a.observance.slug.localeCompare(b.observance.slug));
      return { year, timezone, items };
    },

    async create(body: CreateObservanceBody, actor: Actor = null): Promise<ObservanceResponse> {
      checkRules(body.rules);
      await db.transaction(async (tx) => {
        const [row] = await tx.insert(observances).values({
          slug: body.slug, kind: body.kind, nameZh: body.nameZh, nameEn: body.nameEn,
          descriptionZh: body.descriptionZh ?? null, descriptionEn: body.descriptionEn ?? null,
        }).returning({ id: observances.id });
        await tx.insert(observanceRules).values(body.rules.map((r) => ({ observanceId: row!.id, validFromYear: r.validFromYear ?? null, validToYear: r.validToYear ?? null, rule: r.rule })));
        await recordAudit(tx, actor, { action: 'created', objectKind: 'observance', objectId: row!.id });
      });
      return get(body.slug);
    },

    async update(slug: string, body: UpdateObservanceBody, actor: Actor = null): Promise<ObservanceResponse> {
      const id = await idOf(slug);
      const { rules, ...fields } = body;
      if (rules) checkRules(rules);
      await db.transaction(async (tx) => {
        await tx.update(observances).set({ ...fields, updatedAt: sql`now()` }).where(eq(observances.id, id));
        if (rules) {
          await tx.delete(observanceRules).where(eq(observanceRules.observanceId, id));
          await tx.insert(observanceRules).values(rules.map((r) => ({ observanceId: id, validFromYear: r.validFromYear ?? null, validToYear: r.validToYear ?? null, rule: r.rule })));
        }
        await recordAudit(tx, actor, { action: 'updated', objectKind: 'observance', objectId: id, changedFields: Object.keys(body) });
      });
      return get(slug);
    },

    /** Stores the dates announced for a year; they win over the rule from then on. */
    async putOverride(slug: string, year: number, body: OverrideBody, actor: Actor = null): Promise<ObservanceResponse> {
      const id = await idOf(slug); // an unknown themed day is 404 whatever the dates
      checkOverride(year, body);
      const values = { startDate: body.startDate, endDate: body.endDate, noteZh: body.noteZh ?? null, noteEn: body.noteEn ?? null, updatedAt: sql`now()` };
      await db.transaction(async (tx) => {
        await tx.insert(observanceOverrides).values({ observanceId: id, year, ...values })
          .onConflictDoUpdate({ target: [observanceOverrides.observanceId, observanceOverrides.year], set: values });
        await touch(tx, id);
        await recordAudit(tx, actor, { action: 'override_set', objectKind: 'observance', objectId: id, changedFields: [`overrides/${year}`] });
      });
      return get(slug);
    },

    async deleteOverride(slug: string, year: number, actor: Actor = null): Promise<void> {
      const id = await idOf(slug);
      await db.transaction(async (tx) => {
        const deleted = await tx.delete(observanceOverrides).where(and(eq(observanceOverrides.observanceId, id), eq(observanceOverrides.year, year))).returning({ id: observanceOverrides.id });
        if (deleted.length === 0) throw notFound('override', `${slug}/${year}`);
        await touch(tx, id);
        await recordAudit(tx, actor, { action: 'override_deleted', objectKind: 'observance', objectId: id, changedFields: [`overrides/${year}`] });
      });
    },
  };
}
