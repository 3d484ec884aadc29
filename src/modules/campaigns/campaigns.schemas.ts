import { Type, type Static } from '@sinclair/typebox';
import { LongText, Nullable, ShortText, Slug, UnitRef, Uuid } from '../../lib/schemas.js';

const Year = Type.Integer({ minimum: 2000, maximum: 2200 });

export const TaskSchema = Type.Object({
  id: Uuid,
  sectionId: Uuid,
  position: Type.Integer(),
  titleZh: Type.String(),
  titleEn: Nullable(Type.String()),
  descriptionZh: Nullable(Type.String()),
  leadUnits: Type.Array(UnitRef),
});

export const SectionSchema = Type.Object({
  id: Uuid,
  position: Type.Integer(),
  titleZh: Type.String(),
  titleEn: Nullable(Type.String()),
  tasks: Type.Array(TaskSchema),
});

export const CampaignSchema = Type.Object({
  id: Uuid,
  slug: Type.String(),
  year: Type.Integer(),
  titleZh: Type.String(),
  titleEn: Nullable(Type.String()),
  descriptionZh: Nullable(Type.String()),
  descriptionEn: Nullable(Type.String()),
  sections: Type.Array(SectionSchema),
  updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Campaign' });
export type CampaignResponse = Static<typeof CampaignSchema>;

const taskFields = {
  titleZh: ShortText(500),
  titleEn: Type.Optional(Nullable(ShortText(500))),
  descriptionZh: Type.Optional(Nullable(LongText)),
  leadUnitIds: Type.Optional(Type.Array(Uuid, { maxItems: 60, uniqueItems: true })),
};
export const CreateTaskBody = Type.Object({ ...taskFields, position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })) }, { additionalProperties: false });
export type CreateTaskBody = Static<typeof CreateTaskBody>;
export const UpdateTaskBody = Type.Partial(CreateTaskBody, { additionalProperties: false, minProperties: 1 });
export type UpdateTaskBody = Static<typeof UpdateTaskBody>;

const sectionFields = { titleZh: ShortText(500), titleEn: Type.Optional(Nullable(ShortText(500))) };
export const CreateSectionBody = Type.Object({
  ...sectionFields,
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  tasks: Type.Optional(Type.Array(CreateTaskBody, { maxItems: 100 })),
}, { additionalProperties: false });
export type CreateSectionBody = Static<typeof CreateSectionBody>;
export const UpdateSectionBody = Type.Partial(Type.Object({ ...sectionFields, position: Type.Integer({ minimum: 0, maximum: 10_000 }) }), { additionalProperties: false, minProperties: 1 });
export type UpdateSectionBody = Static<typeof UpdateSectionBody>;

const campaignFields = {
  slug: Slug,
  year: Year,
  titleZh: ShortText(500),
  titleEn: Type.Optional(Nullable(ShortText(500))),
  descriptionZh: Type.Optional(Nullable(LongText)),
  descriptionEn: Type.Optional(Nullable(LongText)),
};
export const CreateCampaignBody = Type.Object({ ...campaignFields, sections: Type.Optional(Type.Array(CreateSectionBody, { maxItems: 50 })) }, { additionalProperties: false });
export type CreateCampaignBody = Static<typeof CreateCampaignBody>;
export const UpdateCampaignBody = Type.Partial(Type.Object(campaignFields), { additionalProperties: false, minProperties: 1 });
export type UpdateCampaignBody = Static<typeof UpdateCampaignBody>;

export const CampaignListQuery = Type.Object({ year: Type.Optional(Year) }, { additionalProperties: false });
export const SectionParams = Type.Object({ id: Uuid, sectionId: Uuid }, { additionalProperties: false });
export const TaskParams = Type.Object({ id: Uuid, taskId: Uuid }, { additionalProperties: false });
