import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database, Executor, Transaction } from '../../db/client.js';
import { campaignSections, campaignTasks, campaignTaskUnits, campaigns, units } from '../../db/schema/index.js';
import { fieldError, notFound, unprocessable, type FieldProblem } from '../../lib/problems.js';
import { loadCampaigns } from './campaigns.queries.js';
import { recordAudit, type Actor } from '../audit/audit.js';
import type {
  CampaignResponse, CreateCampaignBody, CreateSectionBody, CreateTaskBody, UpdateCampaignBody, UpdateSectionBody, UpdateTaskBody,
} from './campaigns.schemas.js';

/** Every lead unit id must exist; the error names each bad one by its place in the body. */
async function checkLeadUnits(db: Executor, refs: { pointer: string; ids: string[] }[]) {
  const all = [...new Set(refs.flatMap((r) => r.ids))];
  if (all.length === 0) return;
  const found = new Set((await db.select({ id: units.id }).from(units).where(inArray(units.id, all))).map((u) => u.id));
  const errors: FieldProblem[] = refs.flatMap((r) => r.ids.flatMap((id, i) => (found.has(id) ? [] : [fieldError(`${r.pointer}/${i}`, 'no such unit')])));
  if (errors.length) throw unprocessable('unknown_reference', 'Some lead units do not exist.', errors);
}

async function insertTask(tx: Transaction, sectionId: string, task: CreateTaskBody, position: number) {
  const [row] = await tx.insert(campaignTasks).values({
    sectionId, position: task.position ?? position, titleZh: task.titleZh, titleEn: task.titleEn ?? null, descriptionZh: task.descriptionZh ?? null,
  }).returning({ id: campaignTasks.id });
  if (task.leadUnitIds?.length) await tx.insert(campaignTaskUnits).values(task.leadUnitIds.map((unitId) => ({ taskId: row!.id, unitId })));
  return row!.id;
}

async function insertSection(tx: Transaction, campaignId: string, section: CreateSectionBody, position: number) {
  const [row] = await tx.insert(campaignSections).values({ campaignId, position: section.position ?? position, titleZh: section.titleZh, titleEn: section.titleEn ?? null })
    .returning({ id: campaignSections.id });
  for (const [i, task] of (section.tasks ?? []).entries()) await insertTask(tx, row!.id, task, i + 1);
  return row!.id;
}

export function createCampaignsService({ db }: { db: Database }) {
  async function get(id: string): Promise<CampaignResponse> {
    const [found] = await loadCampaigns(db, { ids: [id] });
    if (!found) throw notFound('campaign', id);
    return found;
  }
  /** Every change of a plan, or of a part of it, moves the plan's updatedAt and is audited on the plan. */
  async function touch(tx: Executor, id: string, actor: Actor, action: string, changedFields: string[] = []) {
    await tx.update(campaigns).set({ updatedAt: sql`now()` }).where(eq(campaigns.id, id));
    await recordAudit(tx, actor, { action, objectKind: 'campaign', objectId: id, changedFields });
  }

  async function sectionOf(campaignId: string, sectionId: string) {
    const [row] = await db.select({ id: campaignSections.id }).from(campaignSections)
      .where(and(eq(campaignSections.id, sectionId), eq(campaignSections.campaignId, campaignId)));
    if (!row) throw notFound('section', sectionId);
  }
  async function taskOf(campaignId: string, taskId: string) {
    const [row] = await db.select({ id: campaignTasks.id }).from(campaignTasks)
      .innerJoin(campaignSections, eq(campaignTasks.sectionId, campaignSections.id))
      .where(and(eq(campaignTasks.id, taskId), eq(campaignSections.campaignId, campaignId)));
    if (!row) throw notFound('task', taskId);
  }

  return {
    list: (year?: number) => loadCampaigns(db, { year }),
    get,

    /** A campaign with its whole plan in one transaction: all of it or none. */
    async create(body: CreateCampaignBody, actor: Actor = null): Promise<CampaignResponse> {
      await checkLeadUnits(db, (body.sections ?? []).flatMap((s, i) => (s.tasks ?? []).map((t, j) => ({ pointer: `/sections/${i}/tasks/${j}/leadUnitIds`, ids: t.leadUnitIds ?? [] }))));
      const id = await db.transaction(async (tx) => {
        const { sections, ...fields } = body;
        const [row] = await tx.insert(campaigns).values(fields).returning({ id: campaigns.id });
        for (const [i, section] of (sections ?? []).entries()) await insertSection(tx, row!.id, section, i + 1);
        await recordAudit(tx, actor, { action: 'created', objectKind: 'campaign', objectId: row!.id });
        return row!.id;
      });
      return get(id);
    },

    async update(id: string, body: UpdateCampaignBody, actor: Actor = null): Promise<CampaignResponse> {
      await db.transaction(async (tx) => {
        const [row] = await tx.update(campaigns).set(body).where(eq(campaigns.id, id)).returning({ id: campaigns.id });
        if (!row) throw notFound('campaign', id);
        await touch(tx, id, actor, 'updated', Object.keys(body));
      });
      return get(id);
    },

    async addSection(id: string, body: CreateSectionBody, actor: Actor = null): Promise<CampaignResponse> {
      await get(id);
      await checkLeadUnits(db, (body.tasks ?? []).map((t, j) => ({ pointer: `/tasks/${j}/leadUnitIds`, ids: t.leadUnitIds ?? [] })));
      await db.transaction(async (tx) => {
        // After the last one, not at count + 1: a section moved to position 9 would otherwise follow the new one.
        const [{ last }] = (await tx.select({ last: sql<number>`coalesce(max(${campaignSections.position}), 0)::int` }).from(campaignSections).where(eq(campaignSections.campaignId, id))) as [{ last: number }];
        await insertSection(tx, id, body, last + 1);
        await touch(tx, id, actor, 'section_added');
      });
      return get(id);
    },

    async updateSection(id: string, sectionId: string, body: UpdateSectionBody, actor: Actor = null): Promise<CampaignResponse> {
      await sectionOf(id, sectionId);
      await db.transaction(async (tx) => {
        await tx.update(campaignSections).set({ ...body, updatedAt: sql`now()` }).where(eq(campaignSections.id, sectionId));
        await touch(tx, id, actor, 'section_updated', Object.keys(body).map((f) => `sections/${sectionId}/${f}`));
      });
      return get(id);
    },

    async addTask(id: string, sectionId: string, body: CreateTaskBody, actor: Actor = null): Promise<CampaignResponse> {
      await sectionOf(id, sectionId);
      await checkLeadUnits(db, [{ pointer: '/leadUnitIds', ids: body.leadUnitIds ?? [] }]);
      await db.transaction(async (tx) => {
        const [{ last }] = (await tx.select({ last: sql<number>`coalesce(max(${campaignTasks.position}), 0)::int` }).from(campaignTasks).where(eq(campaignTasks.sectionId, sectionId))) as [{ last: number }];
        await insertTask(tx, sectionId, body, last + 1);
        await touch(tx, id, actor, 'task_added');
      });
      return get(id);
    },

    async updateTask(id: string, taskId: string, body: UpdateTaskBody, actor: Actor = null): Promise<CampaignResponse> {
      await taskOf(id, taskId);
      await checkLeadUnits(db, [{ pointer: '/leadUnitIds', ids: body.leadUnitIds ?? [] }]);
      const { leadUnitIds, ...fields } = body;
      await db.transaction(async (tx) => {
        if (Object.keys(fields).length) await tx.update(campaignTasks).set({ ...fields, updatedAt: sql`now()` }).where(eq(campaignTasks.id, taskId));
        if (leadUnitIds) {
          await tx.delete(campaignTaskUnits).where(eq(campaignTaskUnits.taskId, taskId));
          if (leadUnitIds.length) await tx.insert(campaignTaskUnits).values(leadUnitIds.map((unitId) => ({ taskId, unitId })));
        }
        await touch(tx, id, actor, 'task_updated', Object.keys(body).map((f) => `tasks/${taskId}/${f}`));
      });
      return get(id);
    },
  };
}
