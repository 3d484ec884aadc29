import { Type, type Static } from '@sinclair/typebox';
import { VENUE_KINDS } from '../../db/schema/index.js';
import { Nullable, PageQuery, ShortText, Slug, StringEnum, TownRef, Uuid, pageOf } from '../../lib/schemas.js';

export const VenueKindSchema = StringEnum(VENUE_KINDS);

const Latitude = Type.Number({ minimum: -90, maximum: 90 });
const Longitude = Type.Number({ minimum: -180, maximum: 180 });

export const CoordinatesInput = Type.Object({
  latitude: Latitude,
  longitude: Longitude,
  /**
   * Chinese map services (Amap, Tencent, Baidu's converted output) give GCJ-02; GPS and
   * OpenStreetMap give WGS-84. We store WGS-84 and convert GCJ-02 input on the way in.
   */
  system: Type.Optional(Type.Union([Type.Literal('wgs84'), Type.Literal('gcj02')], { description: 'default wgs84' })),
}, { additionalProperties: false });

const Coordinates = Type.Object({ latitude: Type.Number(), longitude: Type.Number() });

export const VenueSchema = Type.Object({
  id: Uuid,
  slug: Type.String(),
  kind: VenueKindSchema,
  nameZh: Type.String(),
  nameEn: Nullable(Type.String()),
  addressZh: Nullable(Type.String()),
  addressEn: Nullable(Type.String()),
  town: Nullable(TownRef),
  capacity: Nullable(Type.Integer()),
  coordinates: Nullable(Type.Object({ wgs84: Coordinates, gcj02: Coordinates })),
  accessibilityZh: Nullable(Type.String()),
  accessibilityEn: Nullable(Type.String()),
  isOnline: Type.Boolean(),
  allowsSharedUse: Type.Boolean(),
  updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Venue' });
export type VenueResponse = Static<typeof VenueSchema>;

const venueFields = {
  slug: Slug,
  kind: VenueKindSchema,
  nameZh: ShortText(),
  nameEn: Type.Optional(Nullable(ShortText())),
  addressZh: Type.Optional(Nullable(ShortText(500))),
  addressEn: Type.Optional(Nullable(ShortText(500))),
  townId: Type.Optional(Nullable(Uuid)),
  capacity: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000 }))),
  coordinates: Type.Optional(Nullable(CoordinatesInput)),
  accessibilityZh: Type.Optional(Nullable(ShortText(2000))),
  accessibilityEn: Type.Optional(Nullable(ShortText(2000))),
  isOnline: Type.Optional(Type.Boolean()),
  allowsSharedUse: Type.Optional(Type.Boolean()),
};
export const CreateVenueBody = Type.Object(venueFields, { additionalProperties: false });
export type CreateVenueBody = Static<typeof CreateVenueBody>;
export const UpdateVenueBody = Type.Partial(Type.Object(venueFields), { additionalProperties: false, minProperties: 1 });
export type UpdateVenueBody = Static<typeof UpdateVenueBody>;

export const VenueListQuery = Type.Object({
  ...PageQuery,
  town: Type.Optional(Slug),
  kind: Type.Optional(VenueKindSchema),
}, { additionalProperties: false });
export type VenueListQuery = Static<typeof VenueListQuery>;
export const VenuePage = pageOf(Type.Ref(VenueSchema));
