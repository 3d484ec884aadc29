import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { createRequire } from 'node:module';
import type { Clock } from '../../lib/clock.js';
import type { ChangeRecorder } from '../changes/change-recorder.js';
import type { Database } from '../../db/client.js';
import { towns, venues, type VenueKind } from '../../db/schema/index.js';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor.js';
import { fieldError, notFound, unprocessable } from '../../lib/problems.js';
import { promoteAfterCapacityChange } from '../registrations/cascade.js';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { CreateVenueBody, UpdateVenueBody, VenueListQuery, VenueResponse } from './venues.schemas.js';

// gcoord ships CommonJS whose typings declare a default export Node does not give ESM importers.
const gcoord = createRequire(import.meta.url)('gcoord') as typeof import('gcoord').default;

const round = (n: number) => Math.round(n * 1e7) / 1e7;

/** Stored coordinates are WGS-84; GCJ-02 is what Chinese map apps expect, so both go out. */
export function toWgs84(input: { latitude: number; longitude: number; system?: 'wgs84' | 'gcj02' }) {
  if (input.system !== 'gcj02') return { latitude: input.latitude, longitude: input.longitude };
  const [longitude, latitude] = gcoord.transform([input.longitude, input.latitude], gcoord.GCJ02, gcoord.WGS84) as [number, number];
  return { latitude: round(latitude), longitude: round(longitude) };
}

function toGcj02(latitude: number, longitude: number) {
  const [lon, lat] = gcoord.transform([longitude, latitude], gcoord.WGS84, gcoord.GCJ02) as [number, number];
  return { latitude: round(lat), longitude: round(lon) };
}

const venueColumns = {
  id: venues.id, slug: venues.slug, kind: venues.kind, nameZh: venues.nameZh, nameEn: venues.nameEn,
  addressZh: venues.addressZh, addressEn: venues.addressEn, capacity: venues.capacity,
  latitude: venues.latitude, longitude: venues.longitude, accessibilityZh: venues.accessibilityZh,
  accessibilityEn: venues.accessibilityEn, isOnline: venues.isOnline, allowsSharedUse: venues.allowsSharedUse,
  updatedAt: venues.updatedAt, townId: towns.id, townSlug: towns.slug, townNameZh: towns.nameZh, townNameEn: towns.nameEn,
};
type VenueRow = {
  id: string; slug: string; kind: VenueKind; nameZh: string; nameEn: string | null; addressZh: string | null; addressEn: string | null;
  capacity: number | null; latitude: number | null; longitude: number | null; accessibilityZh: string | null; accessibilityEn: string | null;
  isOnline: boolean; allowsSharedUse: boolean; updatedAt: Date; townId: string | null; townSlug: string | null; townNameZh: string | null; townNameEn: string | null;
};

export function presentVenue(row: VenueRow): VenueResponse {
  const { townId, townSlug, townNameZh, townNameEn, latitude, longitude, updatedAt, ...rest } = row;
  return {
    ...rest,
    town: townId ? { id: townId, slug: townSlug!, nameZh: townNameZh!, nameEn: townNameEn! } : null,
    coordinates: latitude !== null && longitude !== null
      ? { wgs84: { latitude, longitude }, gcj02: toGcj02(latitude, longitude) } : null,
    updatedAt: updatedAt.toISOString(),
  };
}

function columnsFrom(body: UpdateVenueBody) {
  const { coordinates, ...rest } = body;
  if (coordinates === undefined) return rest;
  const point = coordinates === null ? { latitude: null, longitude: null } : toWgs84(coordinates);
  return { ...rest, ...point };
}

export function createVenuesService({ db, clock, changes }: { db: Database; clock: Clock; changes: ChangeRecorder }) {
  const select = () => db.select(venueColumns).from(venues).leftJoin(towns, eq(venues.townId, towns.id));

  async function get(id: string): Promise<VenueResponse> {
    const [row] = await select().where(eq(venues.id, id));
    if (!row) throw notFound('venue', id);
    return presentVenue(row);
  }

  async function checkTown(townId: string | null | undefined) {
    if (!townId) return;
    const [town] = await db.select({ id: towns.id }).from(towns).where(eq(towns.id, townId));
    if (!town) throw unprocessable('unknown_reference', 'The town does not exist.', [fieldError('/townId', 'no such town')]);
  }

  return {
    get,

    async list(query: VenueListQuery) {
      const after = query.cursor ? decodeCursor(query.cursor, 1)[0] : undefined;
      // We only hand out slugs: a null key would silently restart at page one.
      if (after === null) throw invalidCursor();
      const rows = await select()
        .where(and(
          query.town ? eq(towns.slug, query.town) : undefined,
          query.kind ? eq(venues.kind, query.kind) : undefined,
          after ? gt(venues.slug, after) : undefined,
        ))
        .orderBy(asc(venues.slug))
        .limit(query.limit + 1);
      const page = rows.slice(0, query.limit);
      return { items: page.map(presentVenue), nextCursor: rows.length > query.limit ? encodeCursor([page.at(-1)!.slug]) : null };
    },

    async create(body: CreateVenueBody, actor: Actor = null): Promise<VenueResponse> {
      await checkTown(body.townId);
      const values = columnsFrom(body) as CreateVenueBody & { latitude?: number | null; longitude?: number | null };
      const id = await db.transaction(async (tx) => {
        const [row] = await tx.insert(venues).values({ ...values, isOnline: body.isOnline ?? false, allowsSharedUse: body.allowsSharedUse ?? false }).returning({ id: venues.id });
        await recordAudit(tx, actor, { action: 'created', objectKind: 'venue', objectId: row!.id });
        return row!.id;
      });
      return get(id);
    },

    async update(id: string, body: UpdateVenueBody, actor: Actor = null): Promise<VenueResponse> {
      await checkTown(body.townId);
      await db.transaction(async (tx) => {
        const [row] = await tx.update(venues).set({ ...columnsFrom(body), updatedAt: sql`now()` }).where(eq(venues.id, id)).returning({ id: venues.id });
        if (!row) throw notFound('venue', id);
        await recordAudit(tx, actor, { action: 'updated', objectKind: 'venue', objectId: id, changedFields: Object.keys(body) });
        if (body.capacity !== undefined) await promoteAfterCapacityChange(tx, { venueId: id }, { now: clock.now(), actor, changes });
      });
      return get(id);
    },
  };
}
export type VenuesService = ReturnType<typeof createVenuesService>;
