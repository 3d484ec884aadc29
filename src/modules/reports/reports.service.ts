import { and, desc, eq, ne } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database } from '../../db/client.js';
import { campaigns } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { notFound, Problem, type FieldProblem } from '../../lib/problems.js';
import { isSignedIn, type Principal } from '../accounts/principal.js';
import { createObservancesService } from '../observances/observances.service.js';
import { figuresOf, NO_SUMS } from './figures.js';
import { loadCatalogue, previousTasks, unitsExist, type Catalogue } from './labels.js';
import { groupFigures, type GroupRow, type ReportScope } from './reports.queries.js';
import type { Dimension, Report, ReportGroup, ReportQuery } from './reports.schemas.js';

const queryProblem = (status: number, code: string, message: string, pointer: string, detail: string) =>
  new Problem(status, code, message, { errors: [{ in: 'querystring', pointer, detail } satisfies FieldProblem] });

function dimensionsOf(groupBy: string): [Dimension] | [Dimension, Dimension] {
  const [first, second] = groupBy.split(',') as [Dimension, Dimension | undefined];
  if (second === first) throw queryProblem(400, 'invalid_group_by', 'A report groups by two different dimensions.', '/groupBy', 'names the same dimension twice');
  return second ? [first, second] : [first];
}

/**
 * Whose figures the caller may see: admins every unit's (or the one they filter on);
 * organizers only their own units' events and groups. Checkers run the door, not reports.
 */
function unitScopeOf(principal: Principal, unit: string | undefined): string[] | null {
  if (!isSignedIn(principal) || principal.role === 'checker') throw new Problem(403, 'forbidden', 'Reports are for organizers and administrators.');
  if (principal.role === 'admin') return unit ? [unit] : null;
  if (unit && !principal.unitIds.includes(unit)) {
    throw queryProblem(403, 'forbidden', 'Organizers see their own units\' figures only.', '/unit', 'is not one of your units');
  }
  return unit ? [unit] : principal.unitIds;
}

const keyOf = (row: { k1: string | null; k2: string | null }) => `${row.k1 ?? ''}\u0000${row.k2 ?? ''}`;

export function createReportsService({ db, clock, timezone }: { db: Database; clock: Clock; timezone: string }) {
  const observanceCalendar = createObservancesService({ db, timezone });

  const campaignRef = async (id: string) => {
    const [row] = await db.select({ id: campaigns.id, slug: campaigns.slug, year: campaigns.year, titleZh: campaigns.titleZh, titleEn: campaigns.titleEn })
      .from(campaigns).where(eq(campaigns.id, id));
    return row;
  };
  /** The plan of the year before; with two, the one made last. */
  const previousOf = async (campaign: { id: string; year: number }) => {
    const [row] = await db.select({ id: campaigns.id }).from(campaigns)
      .where(and(eq(campaigns.year, campaign.year - 1), ne(campaigns.id, campaign.id))).orderBy(desc(campaigns.createdAt)).limit(1);
    return row ? campaignRef(row.id) : undefined;
  };

  const instantOf = (date: string | null, plusDays = 0) => (date ? DateTime.fromISO(date, { zone: timezone }).plus({ days: plusDays }).toJSDate() : null);

  return {
    async report(campaignId: string, query: ReportQuery, principal: Principal): Promise<Report> {
      const dimensions = dimensionsOf(query.groupBy);
      const unitIds = unitScopeOf(principal, query.unit);
      const campaign = await campaignRef(campaignId);
      if (!campaign) throw notFound('campaign', campaignId);
      const from = query.from ?? null;
      const to = query.to ?? null;
      if (from && to && from > to) throw queryProblem(400, 'invalid_range', 'The date range ends before it starts.', '/to', 'must not be before from');
      if (query.unit && !(await unitsExist(db, [query.unit]))) throw queryProblem(404, 'unit_not_found', `No unit with id ${JSON.stringify(query.unit)}.`, '/unit', 'no such unit');
      const previous = query.compareTo ? await campaignRef(query.compareTo) : await previousOf(campaign);
      if (query.compareTo && !previous) throw queryProblem(404, 'campaign_not_found', `No campaign with id ${JSON.stringify(query.compareTo)}.`, '/compareTo', 'no such campaign');

      const now = clock.now();
      const scope: ReportScope = { campaignId, from: instantOf(from), to: instantOf(to, 1), unitIds, now };
      // The previous plan is read over the same stretch of its own year.
      const yearsBack = previous ? campaign.year - previous.year : 0;
      const shifted = (date: string | null) => (date ? DateTime.fromISO(date).minus({ years: yearsBack }).toISODate() : null);
      const previousScope: ReportScope | null = previous
        ? { campaignId: previous.id, from: instantOf(shifted(from)), to: instantOf(shifted(to), 1), unitIds, now }
        : null;

      const empty = { groups: [] as GroupRow[], totals: NO_SUMS };
      const [current, before, catalogues, taskMatches, calendar] = await Promise.all([
        groupFigures(db, scope, dimensions),
        previousScope ? groupFigures(db, previousScope, dimensions) : Promise.resolve(empty),
        Promise.all(dimensions.map((d) => loadCatalogue(db, d, { campaignId, year: campaign.year, from, to, unitIds }))),
        previous && dimensions.includes('task') ? previousTasks(db, campaignId, previous.id) : Promise.resolve(new Map<string, string>()),
        observanceCalendar.calendar(campaign.year),
      ]);

      /** This year's key as last year's report spells it: the matching task, the same month a year back, else the same id. */
      const previousKey = (dimension: Dimension, key: string | null) => {
        if (key === null) return null;
        if (dimension === 'task') return taskMatches.get(key) ?? `unmatched:${key}`;
        if (dimension === 'month') return DateTime.fromFormat(key, 'yyyy-MM').minus({ years: yearsBack }).toFormat('yyyy-MM');
        return key;
      };
      const previousByKey = new Map(before.groups.map((row) => [keyOf(row), row]));
      const rows = withIdleMembers(current.groups, dimensions, catalogues);
      const result: ReportGroup[] = rows.map((row) => {
        const last = previous
          ? previousByKey.get(keyOf({ k1: previousKey(dimensions[0], row.k1), k2: dimensions[1] ? previousKey(dimensions[1], row.k2) : null }))
          : undefined;
        return {
          keys: dimensions.map((dimension, i) => {
            const key = i === 0 ? row.k1 : row.k2;
            return { dimension, id: key, ...catalogues[i]!.label(key) };
          }),
          figures: figuresOf(row),
          previous: previous ? figuresOf(last ?? NO_SUMS) : null,
        };
      });

      return {
        campaign, previousCampaign: previous ?? null, groupBy: dimensions,
        filters: { from, to, unitIds }, timezone, generatedAt: now.toISOString(),
        groups: result,
        totals: { figures: figuresOf(current.totals), previous: previous ? figuresOf(before.totals) : null },
        observanceDays: calendar.items.flatMap((item) => (item.occurrence.startDate && item.occurrence.endDate
          ? [{ id: item.observance.id, nameZh: item.observance.nameZh, nameEn: item.observance.nameEn, startDate: item.occurrence.startDate, endDate: item.occurrence.endDate }]
          : [])),
      };
    },
  };
}

/** The groups with figures, plus (one dimension only) the idle members the catalogue always lists, in the catalogue's order. */
function withIdleMembers(rows: GroupRow[], dimensions: Dimension[], catalogues: Catalogue[]): GroupRow[] {
  const [first, second] = catalogues as [Catalogue, Catalogue | undefined];
  const all = [...rows];
  if (dimensions.length === 1) {
    const present = new Set(rows.map((r) => r.k1));
    for (const key of first.always) if (!present.has(key)) all.push({ k1: key, k2: null, ...NO_SUMS });
  }
  return all.sort((a, b) => first.rank(a.k1) - first.rank(b.k1) || (second ? second.rank(a.k2) - second.rank(b.k2) : 0)
    || String(a.k1).localeCompare(String(b.k1)) || String(a.k2).localeCompare(String(b.k2)));
}
