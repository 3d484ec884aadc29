import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate, Nullable, StringEnum, Uuid } from '../../lib/schemas.js';

export const DIMENSIONS = ['task', 'unit', 'audience', 'town', 'observance', 'month', 'type'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const ReportQuery = Type.Object({
  groupBy: Type.String({
    pattern: `^(${DIMENSIONS.join('|')})(,(${DIMENSIONS.join('|')}))?$`,
    description: `One dimension, or two separated by a comma (e.g. task,audience): ${DIMENSIONS.join(', ')}`,
  }),
  from: Type.Optional(CalendarDate),
  to: Type.Optional(CalendarDate),
  unit: Type.Optional(Uuid),
  compareTo: Type.Optional(Uuid),
}, { additionalProperties: false });
export type ReportQuery = Static<typeof ReportQuery>;

export const ExportQuery = Type.Object({
  ...ReportQuery.properties,
  format: StringEnum(['csv', 'xlsx'] as const),
}, { additionalProperties: false });
export type ExportQuery = Static<typeof ExportQuery>;

const Rate = Nullable(Type.Number({ minimum: 0, maximum: 1 }));

export const FiguresSchema = Type.Object({
  events: Type.Integer(),
  sessions: Type.Integer(),
  seatsOffered: Type.Integer({ description: 'Sum of the capacities of sessions that have one (sessions with unlimited seats add nothing)' }),
  registrationsIndividual: Type.Integer({ description: 'Individual sign-ups holding a seat (confirmed or attended)' }),
  registrationsClass: Type.Integer({ description: 'School classes holding seats (confirmed or attended)' }),
  peopleRegistered: Type.Integer({ description: 'Headcount of the registrations holding seats' }),
  checkedIn: Type.Integer({ description: 'Headcount checked in at the door' }),
  recordedAttendance: Type.Integer({ description: 'People counted at sessions held without registration' }),
  attended: Type.Integer({ description: 'checkedIn + recordedAttendance: the people reached' }),
  attendanceRate: Rate,
  noShowRate: Rate,
  waitlistPeak: Type.Integer({ description: 'Sum over the sessions of the largest waitlisted headcount each had at any moment' }),
  cancellations: Type.Integer({ description: 'Registrations cancelled (by the person or the organizers)' }),
  scienceWorkers: Type.Integer(),
  volunteers: Type.Integer(),
});
export type Figures = Static<typeof FiguresSchema>;

export const GroupKeySchema = Type.Object({
  dimension: StringEnum(DIMENSIONS),
  /** Null: the events with nothing on this dimension (no task, no venue town, no themed day …). */
  id: Nullable(Type.String({ description: 'A uuid, an audience slug, an event type, or a month as YYYY-MM; null: none' })),
  labelZh: Type.String(),
  labelEn: Type.String(),
});
export type GroupKey = Static<typeof GroupKeySchema>;

export const ReportGroupSchema = Type.Object({
  keys: Type.Array(GroupKeySchema, { description: 'One key per dimension of groupBy, in its order' }),
  figures: FiguresSchema,
  previous: Nullable(FiguresSchema),
});
export type ReportGroup = Static<typeof ReportGroupSchema>;

const CampaignRef = Type.Object({ id: Uuid, slug: Type.String(), year: Type.Integer(), titleZh: Type.String(), titleEn: Nullable(Type.String()) });

export const ReportSchema = Type.Object({
  campaign: CampaignRef,
  previousCampaign: Nullable(CampaignRef),
  groupBy: Type.Array(StringEnum(DIMENSIONS)),
  filters: Type.Object({ from: Nullable(CalendarDate), to: Nullable(CalendarDate), unitIds: Nullable(Type.Array(Uuid)) }),
  timezone: Type.String(),
  generatedAt: Type.String({ format: 'date-time' }),
  groups: Type.Array(ReportGroupSchema),
  totals: Type.Object({ figures: FiguresSchema, previous: Nullable(FiguresSchema) }),
  observanceDays: Type.Array(Type.Object({ id: Uuid, nameZh: Type.String(), nameEn: Type.String(), startDate: CalendarDate, endDate: CalendarDate }), {
    description: 'The themed days falling in the campaign\'s year, for marking them on a chart by month',
  }),
}, { $id: 'CampaignReport' });
export type Report = Static<typeof ReportSchema>;
