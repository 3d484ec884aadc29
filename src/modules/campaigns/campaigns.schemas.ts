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
  copiedFromTaskId: Nullable(Type.String({ format: 'uuid', description: 'The task of an earlier plan this one was copied from (POST /campaigns/{id}/copy); null when made by hand or when that task is gone' })),
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

export const CopyCampaignBody = Type.Object({
  year: Year,
  slug: Slug,
  titleZh: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Default: the plan\'s title with its year replaced by the new one (2024年… → 2025年…)' })),
  titleEn: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 500, description: 'Default: the English title with its year replaced' }))),
  withEvents: Type.Optional(Type.Boolean({ description: 'Also copy the events of the plan\'s tasks (all but cancelled ones) as drafts, moved to the new year: to the same themed day\'s new date, else to the same month and day' })),
}, { additionalProperties: false });
export type CopyCampaignBody = Static<typeof CopyCampaignBody>;

export const CopiedCampaignSchema = Type.Object({
  ...CampaignSchema.properties,
  eventsCopied: Type.Integer({ description: 'Events copied as drafts (0 without withEvents)' }),
  eventsWithoutVenue: Type.Array(Type.Object({ id: Uuid, copiedFromEventId: Uuid, titleZh: Type.String() }), {
    description: 'Copies left without a venue because another event holds it at the new time: choose another venue, or move the sessions and set it again',
  }),
});
export type CopiedCampaignResponse = Static<typeof CopiedCampaignSchema>;

export const CampaignListQuery = Type.Object({ year: Type.Optional(Year) }, { additionalProperties: false });
export const SectionParams = Type.Object({ id: Uuid, sectionId: Uuid }, { additionalProperties: false });
export const TaskParams = Type.Object({ id: Uuid, taskId: Uuid }, { additionalProperties: false });
