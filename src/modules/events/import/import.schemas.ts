import { Type, type Static } from '@sinclair/typebox';
import { Nullable, ProblemSchema, Uuid } from '../../../lib/schemas.js';

export const ImportQuery = Type.Object({
  dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Check everything (references, times, venue bookings, rights) and write nothing' })),
  campaign: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A campaign\'s id or slug: 工作任务 cells are matched by title among its tasks' })),
}, { additionalProperties: false });

export const TemplateQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('xlsx'), Type.Literal('csv')], { default: 'xlsx' })),
}, { additionalProperties: false });

export const ImportResultSchema = Type.Object({
  dryRun: Type.Boolean(),
  created: Type.Integer({ description: 'Events written (0 on a dry run)' }),
  events: Type.Array(Type.Object({
    id: Nullable(Uuid),
    titleZh: Type.String(),
    row: Type.Integer({ description: 'The first row of the event in the file (the header is row 1)' }),
    sessions: Type.Integer(),
  }), { description: 'The events created, or on a dry run those that would be (with id null)' }),
});
export type ImportResult = Static<typeof ImportResultSchema>;

/** The usual problem, whose `errors` name rows and columns of the file rather than JSON pointers. */
export const ImportProblemSchema = Type.Object({
  ...Type.Omit(ProblemSchema, ['errors']).properties,
  limit: Type.Optional(Type.Integer()),
  errorCount: Type.Optional(Type.Integer({ description: 'How many problems the file has (at most 500 are listed)' })),
  errors: Type.Optional(Type.Array(Type.Object({
    row: Type.Integer({ description: 'The row as a spreadsheet numbers it: the header is row 1' }),
    column: Type.String({ description: 'The column\'s Chinese header (or the unknown header as written)' }),
    code: Type.String({ description: 'required, unknown_header, missing_header, duplicate_header, unknown_reference, ambiguous_reference, unknown_value, invalid_time, time_out_of_range, end_before_start, session_too_long, too_long, too_many, invalid_integer, out_of_range, group_mismatch, not_your_unit, owner_is_co_unit, venue_in_use…' }),
    detail: Type.String(),
    value: Type.Optional(Type.String({ description: 'The cell as read' })),
    limit: Type.Optional(Type.Integer()),
  }))),
}, { additionalProperties: true });
