import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { audiences, towns, units, type UnitKind } from '../../db/schema/index.js';
import { fieldError, notFound, unprocessable } from '../../lib/problems.js';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { CreateUnitBody, UnitResponse, UpdateUnitBody } from './units.schemas.js';

const unitColumns = {
  id: units.id, slug: units.slug, kind: units.kind, nameZh: units.nameZh, nameEn: units.nameEn, requiresReview: units.requiresReview, updatedAt: units.updatedAt,
  townId: towns.id, townSlug: towns.slug, townNameZh: towns.nameZh, townNameEn: towns.nameEn,
};

type UnitRow = { id: string; slug: string; kind: UnitKind; nameZh: string; nameEn: string; requiresReview: boolean; updatedAt: Date;
  townId: string | null; townSlug: string | null; townNameZh: string | null; townNameEn: string | null };

function present(row: UnitRow): UnitResponse {
  return {
    id: row.id, slug: row.slug, kind: row.kind, nameZh: row.nameZh, nameEn: row.nameEn, requiresReview: row.requiresReview,
    town: row.townId ? { id: row.townId, slug: row.townSlug!, nameZh: row.townNameZh!, nameEn: row.townNameEn! } : null,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function createUnitsService({ db }: { db: Database }) {
  const selectUnits = () => db.select(unitColumns).from(units).leftJoin(towns, eq(units.townId, towns.id));

  async function get(id: string): Promise<UnitResponse> {
    const [row] = await selectUnits().where(eq(units.id, id));
    if (!row) throw notFound('unit', id);
    return present(row);
  }

  return {
    listTowns: () => db.select({ id: towns.id, slug: towns.slug, nameZh: towns.nameZh, nameEn: towns.nameEn }).from(towns).orderBy(asc(towns.slug)),
    listAudiences: () => db.select({ slug: audiences.slug, nameZh: audiences.nameZh, nameEn: audiences.nameEn }).from(audiences).orderBy(asc(audiences.position)),

    async list(filter: { kind?: UnitKind }): Promise<UnitResponse[]> {
      const rows = await selectUnits().where(filter.kind ? eq(units.kind, filter.kind) : undefined).orderBy(asc(units.kind), asc(units.slug));
      return rows.map(present);
    },

    get,

    async create(body: CreateUnitBody, actor: Actor = null): Promise<UnitResponse> {
      const townId = body.townId ?? null;
      if ((body.kind === 'town') !== (townId !== null)) {
        throw unprocessable('invalid_unit', 'A unit of kind "town" names its town; other units do not.', [
          body.kind === 'town' ? fieldError('/townId', 'is required for a town', 'required') : fieldError('/townId', 'is only for units of kind "town"', 'not_for_kind'),
        ]);
      }
      if (townId) {
        const [town] = await db.select({ id: towns.id }).from(towns).where(eq(towns.id, townId));
        if (!town) throw unprocessable('unknown_reference', 'The town does not exist.', [fieldError('/townId', 'no such town')]);
      }
      const id = await db.transaction(async (tx) => {
        const [row] = await tx.insert(units).values({ slug: body.slug, kind: body.kind, nameZh: body.nameZh, nameEn: body.nameEn, townId, requiresReview: body.requiresReview ?? false }).returning({ id: units.id });
        await recordAudit(tx, actor, { action: 'created', objectKind: 'unit', objectId: row!.id, unitId: row!.id });
        return row!.id;
      });
      return get(id);
    },

    async update(id: string, body: UpdateUnitBody, actor: Actor = null): Promise<UnitResponse> {
      await db.transaction(async (tx) => {
        const [row] = await tx.update(units).set({ ...body, updatedAt: sql`now()` }).where(eq(units.id, id)).returning({ id: units.id });
        if (!row) throw notFound('unit', id);
        await recordAudit(tx, actor, { action: 'updated', objectKind: 'unit', objectId: id, unitId: id, changedFields: Object.keys(body) });
      });
      return get(id);
    },
  };
}
export type UnitsService = ReturnType<typeof createUnitsService>;
