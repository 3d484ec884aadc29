import { Kind, Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** Shared pieces of the API contract. Objects reject unknown fields everywhere. */
export const Uuid = Type.String({ format: 'uuid' });
export const Slug = Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', minLength: 1, maxLength: 64 });
/** An instant with its offset (2024-05-25T09:00:00+08:00): never a floating local time. */
export const Instant = Type.String({ format: 'date-time', maxLength: 40 });
export const CalendarDate = Type.String({ format: 'date' });
/**
 * `T | null` as one `type: [T, "null"]` keyword rather than `anyOf`: the serializer picks
 * an anyOf branch by running a validator on every value (measured: most of the cost of
 * writing an event page), while a type list is a plain check. OpenAPI 3.1 reads it as is.
 */
export const Nullable = <T extends TSchema>(schema: T): TUnsafe<Static<T> | null> => {
  const { [Kind]: _kind, ...rest } = schema as TSchema & { type?: unknown };
  if (typeof rest.type === 'string') return Type.Unsafe<Static<T> | null>({ ...rest, type: [rest.type, 'null'] });
  return Type.Unsafe<Static<T> | null>(Type.Union([schema, Type.Null()]));
};
export const ShortText = (max = 200) => Type.String({ minLength: 1, maxLength: max });
export const LongText = Type.String({ maxLength: 20_000 });

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  code: Type.String({ description: 'Stable machine-readable code' }),
  detail: Type.String(),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({
    in: Type.String(), pointer: Type.String({ description: 'JSON pointer into the part named by `in`' }), detail: Type.String(),
    code: Type.Optional(Type.String({ description: 'The rule broken, stably: a schema keyword (required, format_email, maximum…) or a domain rule (phone_format, exceeds_capacity…)' })),
    limit: Type.Optional(Type.Number({ description: 'The bound of the rule, where it has one' })),
  }))),
}, { $id: 'Problem', additionalProperties: true });

const problemRef = Type.Ref(ProblemSchema);
/** The error answers a route may give, for the spec. */
export const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, problemRef])) as Record<number, typeof problemRef>;

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'Opaque; from `nextCursor` of the previous page' })),
};
export const pageOf = <T extends TSchema>(item: T) => Type.Object({
  items: Type.Array(item),
  nextCursor: Nullable(Type.String()),
});
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const SlugParams = Type.Object({ slug: Slug }, { additionalProperties: false });

export const UnitRef = Type.Object({ id: Uuid, slug: Type.String(), nameZh: Type.String(), nameEn: Type.String() });
export const TownRef = UnitRef;

/** One of a list of strings: a plain `enum` (cheap to validate and serialize, unlike anyOf of consts). */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
