import { asc, eq, inArray } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Executor } from '../../db/client.js';
import { audiences, campaignSections, campaignTaskUnits, campaignTasks, EVENT_TYPES, observances, towns, units } from '../../db/schema/index.js';
import { EVENT_TYPE_NAMES } from '../events/event-types.js';
import type { Dimension } from './reports.schemas.js';

type Label = { labelZh: string; labelEn: string };
/** A dimension's members in the order a report lists them, and the words for each. */
export type Catalogue = {
  label(key: string | null): Label;
  rank(key: string | null): number;
  /** Members listed even with nothing to count, so a one-dimension report shows its gaps (a task no one served). */
  always: string[];
};

/** Events with nothing on the dimension: no venue town (online, or no venue), no themed day, no audience. */
const NONE: Record<Dimension, Label> = {
  task: { labelZh: '未关联任务', labelEn: 'No plan task' },
  unit: { labelZh: '未指定单位', labelEn: 'No unit' },
  audience: { labelZh: '未标注人群', labelEn: 'Audience not set' },
  town: { labelZh: '线上或未定场地', labelEn: 'Online or no venue' },
  observance: { labelZh: '不关联主题日', labelEn: 'No themed day' },
  month: { labelZh: '未定日期', labelEn: 'No date' },
  type: { labelZh: '未分类', labelEn: 'No type' },
};

function catalogueOf(dimension: Dimension, entries: { key: string; labelZh: string; labelEn: string }[], always: string[] = []): Catalogue {
  const byKey = new Map(entries.map((e, i) => [e.key, { ...e, rank: i }]));
  return {
    label: (key) => (key === null ? NONE[dimension] : byKey.get(key) ?? { labelZh: key, labelEn: key }),
    rank: (key) => (key === null ? Number.MAX_SAFE_INTEGER : byKey.get(key)?.rank ?? Number.MAX_SAFE_INTEGER - 1),
    always,
  };
}

/** The months of the campaign's year that the date filter leaves in, as YYYY-MM. */
function monthsOf(year: number, from: string | null, to: string | null) {
  return Array.from({ length: 12 }, (_, i) => DateTime.fromObject({ year, month: i + 1 }))
    .filter((m) => (!from || m.endOf('month').toISODate()! >= from) && (!to || m.toISODate()! <= to))
    .map((m) => m.toFormat('yyyy-MM'));
}

export async function loadCatalogue(db: Executor, dimension: Dimension, context: {
  campaignId: string; year: number; from: string | null; to: string | null; unitIds: string[] | null;
}): Promise<Catalogue> {
  switch (dimension) {
    case 'task': {
      const rows = await db.select({ key: campaignTasks.id, labelZh: campaignTasks.titleZh, labelEn: campaignTasks.titleEn }).from(campaignTasks)
        .innerJoin(campaignSections, eq(campaignSections.id, campaignTasks.sectionId))
        .where(eq(campaignSections.campaignId, context.campaignId))
        .orderBy(asc(campaignSections.position), asc(campaignTasks.position), asc(campaignTasks.createdAt));
      const entries = rows.map((r) => ({ key: r.key, labelZh: r.labelZh, labelEn: r.labelEn ?? r.labelZh }));
      return catalogueOf('task', entries, entries.map((e) => e.key));
    }
    case 'unit': {
      const rows = await db.select({ key: units.id, labelZh: units.nameZh, labelEn: units.nameEn, kind: units.kind }).from(units).orderBy(asc(units.kind), asc(units.slug));
      // Listed even when idle: the caller's own units, or (for admins) the plan's lead units.
      const always = context.unitIds ?? (await db.selectDistinct({ unitId: campaignTaskUnits.unitId }).from(campaignTaskUnits)
        .innerJoin(campaignTasks, eq(campaignTasks.id, campaignTaskUnits.taskId))
        .innerJoin(campaignSections, eq(campaignSections.id, campaignTasks.sectionId))
        .where(eq(campaignSections.campaignId, context.campaignId))).map((r) => r.unitId);
      return catalogueOf('unit', rows, rows.map((r) => r.key).filter((key) => always.includes(key)));
    }
    case 'audience': {
      const rows = await db.select({ key: audiences.slug, labelZh: audiences.nameZh, labelEn: audiences.nameEn }).from(audiences).orderBy(asc(audiences.position));
      return catalogueOf('audience', rows, rows.map((r) => r.key));
    }
    case 'town': {
      const rows = await db.select({ key: towns.id, labelZh: towns.nameZh, labelEn: towns.nameEn }).from(towns).orderBy(asc(towns.slug));
      return catalogueOf('town', rows, rows.map((r) => r.key));
    }
    case 'observance': {
      const rows = await db.select({ key: observances.id, labelZh: observances.nameZh, labelEn: observances.nameEn }).from(observances).orderBy(asc(observances.slug));
      return catalogueOf('observance', rows);
    }
    case 'month': {
      const months = monthsOf(context.year, context.from, context.to);
      const entries = months.map((key) => {
        const m = DateTime.fromFormat(key, 'yyyy-MM');
        return { key, labelZh: `${m.year}年${m.month}月`, labelEn: m.setLocale('en').toFormat('LLL yyyy') };
      });
      const catalogue = catalogueOf('month', entries, months);
      // Sessions outside the plan's year (a 2024 task held in January 2025) still sort by date.
      return { ...catalogue, rank: (key) => (key === null ? Number.MAX_SAFE_INTEGER : Number(key.replace('-', ''))), label: (key) => {
        if (key === null) return NONE.month;
        const m = DateTime.fromFormat(key, 'yyyy-MM');
        return { labelZh: `${m.year}年${m.month}月`, labelEn: m.setLocale('en').toFormat('LLL yyyy') };
      } };
    }
    case 'type':
      return catalogueOf('type', EVENT_TYPES.map((key) => ({ key, labelZh: EVENT_TYPE_NAMES[key].zh, labelEn: EVENT_TYPE_NAMES[key].en })));
  }
}

/** The earlier plan's task that matches each of this plan's: the one it was copied from, else the one with the same Chinese title. */
export async function previousTasks(db: Executor, campaignId: string, previousCampaignId: string): Promise<Map<string, string>> {
  const tasksOf = (id: string) => db.select({ id: campaignTasks.id, titleZh: campaignTasks.titleZh, copiedFrom: campaignTasks.copiedFromTaskId }).from(campaignTasks)
    .innerJoin(campaignSections, eq(campaignSections.id, campaignTasks.sectionId)).where(eq(campaignSections.campaignId, id));
  const [current, previous] = await Promise.all([tasksOf(campaignId), tasksOf(previousCampaignId)]);
  const previousIds = new Set(previous.map((t) => t.id));
  const byTitle = new Map(previous.map((t) => [t.titleZh, t.id]));
  const matches = new Map<string, string>();
  for (const task of current) {
    const match = task.copiedFrom && previousIds.has(task.copiedFrom) ? task.copiedFrom : byTitle.get(task.titleZh);
    if (match) matches.set(task.id, match);
  }
  return matches;
}

export const unitsExist = async (db: Executor, ids: string[]) =>
  (await db.select({ id: units.id }).from(units).where(inArray(units.id, ids))).length === ids.length;
