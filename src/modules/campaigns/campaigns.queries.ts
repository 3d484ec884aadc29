import { asc, desc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { campaignSections, campaignTasks, campaignTaskUnits, campaigns, units } from '../../db/schema/index.js';
import type { CampaignResponse } from './campaigns.schemas.js';

/** Campaigns with their sections, tasks and lead units, in four queries whatever their size. */
export async function loadCampaigns(db: Executor, filter: { ids?: string[]; year?: number }): Promise<CampaignResponse[]> {
  const rows = await db.select({
    id: campaigns.id, slug: campaigns.slug, year: campaigns.year, titleZh: campaigns.titleZh, titleEn: campaigns.titleEn,
    descriptionZh: campaigns.descriptionZh, descriptionEn: campaigns.descriptionEn, updatedAt: campaigns.updatedAt,
  }).from(campaigns)
    .where(filter.ids ? inArray(campaigns.id, filter.ids) : filter.year ? eq(campaigns.year, filter.year) : undefined)
    .orderBy(desc(campaigns.year), asc(campaigns.slug));
  if (rows.length === 0) return [];
  const sections = await db.select({ id: campaignSections.id, campaignId: campaignSections.campaignId, position: campaignSections.position, titleZh: campaignSections.titleZh, titleEn: campaignSections.titleEn })
    .from(campaignSections).where(inArray(campaignSections.campaignId, rows.map((r) => r.id))).orderBy(asc(campaignSections.position), asc(campaignSections.createdAt));
  const tasks = sections.length === 0 ? [] : await db.select({
    id: campaignTasks.id, sectionId: campaignTasks.sectionId, position: campaignTasks.position,
    titleZh: campaignTasks.titleZh, titleEn: campaignTasks.titleEn, descriptionZh: campaignTasks.descriptionZh, copiedFromTaskId: campaignTasks.copiedFromTaskId,
  }).from(campaignTasks).where(inArray(campaignTasks.sectionId, sections.map((s) => s.id))).orderBy(asc(campaignTasks.position), asc(campaignTasks.createdAt));
  const leads = tasks.length === 0 ? [] : await db.select({ taskId: campaignTaskUnits.taskId, id: units.id, slug: units.slug, nameZh: units.nameZh, nameEn: units.nameEn })
    .from(campaignTaskUnits).innerJoin(units, eq(campaignTaskUnits.unitId, units.id))
    .where(inArray(campaignTaskUnits.taskId, tasks.map((t) => t.id))).orderBy(asc(units.slug));

  return rows.map((c) => ({
    ...c,
    updatedAt: c.updatedAt.toISOString(),
    sections: sections.filter((s) => s.campaignId === c.id).map(({ campaignId: _, ...s }) => ({
      ...s,
      tasks: tasks.filter((t) => t.sectionId === s.id).map((t) => ({
        ...t,
        leadUnits: leads.filter((l) => l.taskId === t.id).map(({ taskId: _t, ...u }) => u),
      })),
    })),
  }));
}
