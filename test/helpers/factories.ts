import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/db/client.js';
import {
  audiences, campaignSections, campaignTaskUnits, campaignTasks, campaigns, observanceRules, observances, towns, units, venues,
} from '../../src/db/schema/index.js';
import type { ObservanceRule } from '../../src/modules/observances/rule-types.js';
import { seedAudiences } from '../../seeds/data/index.js';

/** Small factories: each test makes what it needs, with unique slugs. */
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export async function buildAudiences(db: Database) {
  await db.insert(audiences).values(seedAudiences).onConflictDoNothing();
}

export async function buildTown(db: Database, fields: Partial<typeof towns.$inferInsert> = {}) {
  const [row] = await db.insert(towns).values({ slug: unique('town'), nameZh: '测试镇', nameEn: 'Test Town', ...fields }).returning();
  return row!;
}

export async function buildUnit(db: Database, fields: Partial<typeof units.$inferInsert> = {}) {
  const [row] = await db.insert(units).values({ slug: unique('unit'), kind: 'bureau', nameZh: '区测试局', nameEn: 'Test Bureau', ...fields }).returning();
  return row!;
}

export async function buildVenue(db: Database, fields: Partial<typeof venues.$inferInsert> = {}) {
  const [row] = await db.insert(venues).values({ slug: unique('venue'), kind: 'science_museum', nameZh: '区科技馆', capacity: 100, ...fields }).returning();
  return row!;
}

export async function buildObservance(db: Database, rule: ObservanceRule = { kind: 'fixed_date', month: 4, day: 22 }, fields: Partial<typeof observances.$inferInsert> = {}) {
  const [row] = await db.insert(observances).values({ slug: unique('day'), kind: 'day', nameZh: '世界地球日', nameEn: 'Earth Day', ...fields }).returning();
  await db.insert(observanceRules).values({ observanceId: row!.id, rule });
  return row!;
}

/** A campaign with one section and one task led by `leadUnitIds`. */
export async function buildCampaign(db: Database, { year = 2024, leadUnitIds = [] as string[] } = {}) {
  const [campaign] = await db.insert(campaigns).values({ slug: unique('plan'), year, titleZh: `${year}年科普工作要点` }).returning();
  const [section] = await db.insert(campaignSections).values({ campaignId: campaign!.id, position: 1, titleZh: '加强科普能力建设' }).returning();
  const [task] = await db.insert(campaignTasks).values({ sectionId: section!.id, position: 1, titleZh: '促进科技创新资源科普化' }).returning();
  if (leadUnitIds.length) await db.insert(campaignTaskUnits).values(leadUnitIds.map((unitId) => ({ taskId: task!.id, unitId })));
  return { campaign: campaign!, section: section!, task: task! };
}

/** A body for POST /api/v1/events, with one session at 09:00–11:00 Shanghai time on `day`. */
export function eventBody(ownerUnitId: string, overrides: Record<string, unknown> = {}, day = '2030-04-22') {
  return {
    titleZh: '地球日科普讲座',
    titleEn: 'Earth Day lecture',
    type: 'lecture',
    ownerUnitId,
    sessions: [{ startsAt: `${day}T09:00:00+08:00`, endsAt: `${day}T11:00:00+08:00` }],
    ...overrides,
  };
}
