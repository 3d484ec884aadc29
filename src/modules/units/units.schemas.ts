import { Type, type Static } from '@sinclair/typebox';
import { Nullable, ShortText, Slug, Uuid } from '../../lib/schemas.js';

export const TownSchema = Type.Object({ id: Uuid, slug: Type.String(), nameZh: Type.String(), nameEn: Type.String() }, { $id: 'Town' });
export const AudienceSchema = Type.Object({ slug: Type.String(), nameZh: Type.String(), nameEn: Type.String() }, { $id: 'Audience' });

export const UnitKindSchema = Type.Union([Type.Literal('bureau'), Type.Literal('association'), Type.Literal('town')]);

export const UnitSchema = Type.Object({
  id: Uuid,
  slug: Type.String(),
  kind: UnitKindSchema,
  nameZh: Type.String(),
  nameEn: Type.String(),
  town: Nullable(Type.Object({ id: Uuid, slug: Type.String(), nameZh: Type.String(), nameEn: Type.String() })),
  requiresReview: Type.Boolean({ description: "Its organizers' events are published after an administrator approves them" }),
  updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Unit' });
export type UnitResponse = Static<typeof UnitSchema>;

export const CreateUnitBody = Type.Object({
  slug: Slug,
  kind: UnitKindSchema,
  nameZh: ShortText(),
  nameEn: ShortText(),
  /** Required for kind 'town', refused otherwise. */
  townId: Type.Optional(Nullable(Uuid)),
  requiresReview: Type.Optional(Type.Boolean({ description: "Its organizers' events are published after an administrator approves them (default false)" })),
}, { additionalProperties: false });
export type CreateUnitBody = Static<typeof CreateUnitBody>;

export const UpdateUnitBody = Type.Partial(Type.Omit(CreateUnitBody, ['kind', 'townId']), { additionalProperties: false, minProperties: 1 });
export type UpdateUnitBody = Static<typeof UpdateUnitBody>;

export const UnitListQuery = Type.Object({ kind: Type.Optional(UnitKindSchema) }, { additionalProperties: false });
