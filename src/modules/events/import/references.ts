import { asc, eq, or } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { audiences, campaignSections, campaignTasks, campaigns, observances, units, venues } from '../../../db/schema/index.js';
import { notFound } from '../../../lib/problems.js';

/** What a cell resolved to: the record's key, or why not. */
export type Resolved = { ok: true; key: string } | { ok: false; code: 'unknown_reference' | 'ambiguous_reference' };

type Named = { key: string; names: (string | null)[] };

/**
 * Names to records, for one kind of record. A name matches ignoring case and spaces; a name
 * two records share (two tasks titled alike in different plans) is ambiguous, not a guess.
 */
export function lookup(records: Named[]) {
  const byName = new Map<string, Set<string>>();
  for (const record of records) {
    for (const name of record.names) {
      if (!name) continue;
      const k = fold(name);
      byName.set(k, (byName.get(k) ?? new Set()).add(record.key));
    }
  }
  return (text: string): Resolved => {
    const keys = candidates(text).map((c) => byName.get(fold(c))).find(Boolean);
    if (!keys) return { ok: false, code: 'unknown_reference' };
    if (keys.size > 1) return { ok: false, code: 'ambiguous_reference' };
    return { ok: true, key: [...keys][0]! };
  };
}
const fold = (s: string) => s.replace(/\s+/g, '').toLowerCase();
/** A value copied from the template's help sheet, 区科协（kexie）, matches by either part. */
export const candidates = (text: string) => {
  const both = /^(.+?)\s*[（(]([^（）()]+)[）)]$/.exec(text.trim());
  return both ? [text, both[1]!, both[2]!] : [text];
};

export type References = Awaited<ReturnType<typeof loadReferences>>;

/**
 * Every unit, audience, themed day, venue and task a spreadsheet may name, read once. Tasks
 * match by title within the campaign asked for (by id or slug), else across all plans.
 */
export async function loadReferences(db: Executor, campaign?: string) {
  let campaignId: string | undefined;
  if (campaign) {
    const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(campaign);
    const [row] = await db.select({ id: campaigns.id }).from(campaigns).where(isId ? or(eq(campaigns.id, campaign), eq(campaigns.slug, campaign)) : eq(campaigns.slug, campaign));
    if (!row) throw notFound('campaign', campaign);
    campaignId = row.id;
  }
  const [unitRows, audienceRows, observanceRows, venueRows, taskRows] = await Promise.all([
    db.select({ id: units.id, slug: units.slug, nameZh: units.nameZh, nameEn: units.nameEn }).from(units).orderBy(asc(units.kind), asc(units.nameZh)),
    db.select({ slug: audiences.slug, nameZh: audiences.nameZh, nameEn: audiences.nameEn }).from(audiences).orderBy(asc(audiences.position)),
    db.select({ id: observances.id, slug: observances.slug, nameZh: observances.nameZh, nameEn: observances.nameEn }).from(observances).orderBy(asc(observances.nameZh)),
    db.select({ id: venues.id, slug: venues.slug, nameZh: venues.nameZh, nameEn: venues.nameEn }).from(venues).orderBy(asc(venues.nameZh)),
    db.select({ id: campaignTasks.id, titleZh: campaignTasks.titleZh, campaignId: campaignSections.campaignId })
      .from(campaignTasks).innerJoin(campaignSections, eq(campaignTasks.sectionId, campaignSections.id)),
  ]);
  const named = <T extends { slug: string; nameZh: string; nameEn: string | null }>(rows: T[], key: (r: T) => string) =>
    lookup(rows.map((r) => ({ key: key(r), names: [r.nameZh, r.slug, r.nameEn] })));
  const taskIds = new Set(taskRows.map((t) => t.id.toLowerCase()));
  const taskByTitle = lookup(taskRows.filter((t) => !campaignId || t.campaignId === campaignId).map((t) => ({ key: t.id, names: [t.titleZh] })));
  return {
    lists: { units: unitRows, audiences: audienceRows, observances: observanceRows, venues: venueRows },
    unit: named(unitRows, (r) => r.id),
    audience: named(audienceRows, (r) => r.slug),
    observance: named(observanceRows, (r) => r.id),
    venue: named(venueRows, (r) => r.id),
    task: (text: string): Resolved => (taskIds.has(text.toLowerCase()) ? { ok: true, key: text.toLowerCase() } : taskByTitle(text)),
  };
}
