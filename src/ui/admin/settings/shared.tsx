import { integerOrRaw } from '../../form-values.js';
import type { TUnsafe } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { Problem, type ProblemBody } from '../../../lib/problems.js';
import { Notice } from '../../components.js';
import { fieldNameOf, formErrorsOf, type FormErrors } from '../../form-errors.js';
import type { View } from '../../view.js';

/** Every settings page: open to the route guard, sent to sign-in without a staff session; the API decides the rest. */
export { staffPage } from '../guard.js';

/** A posted form (or a form filled from the API's record): every value as the browser sends it. */
export type FormValues = Record<string, string | string[] | undefined>;

export const formOf = (request: FastifyRequest): FormValues => (request.body && typeof request.body === 'object' ? request.body as FormValues : {});

/** One value as text (the first, when a name came more than once). */
export const str = (value: string | string[] | undefined): string => (Array.isArray(value) ? value[0] ?? '' : value ?? '');
/** Trimmed text, or undefined when nothing was typed: empty optional fields are left out. */
export const optional = (value: string | string[] | undefined): string | undefined => str(value).trim() || undefined;
/** Repeated names (checkboxes, multiple selects) as a list; none checked is an empty list. */
export const listOf = (value: string | string[] | undefined): string[] => (value === undefined ? [] : [value].flat().filter((v) => v !== ''));
export const checked = (value: string | string[] | undefined) => str(value) === 'on' || str(value) === 'true';

/** "12" → 12; anything else goes as typed, so the API names what is wrong with it. */
export const intOrRaw = (value: string | string[] | undefined): number | string => integerOrRaw(str(value));
export function numberOrRaw(value: string | string[] | undefined): number | string {
  const text = str(value).trim();
  return /^-?\d{1,4}(\.\d{1,15})?$/.test(text) ? Number(text) : text;
}

export { bodyOf } from '../../api.js';

/**
 * A refused form: "not allowed" and "no such thing" are pages of their own (nothing to
 * correct in the form); anything else (bad fields, an expired CSRF token, a clash) is the
 * form again with the API's messages. `known` keeps the field messages to the fields the
 * form has: a rule union reports every branch it tried, most of them about fields no one sees.
 */
export function refusal(view: View, problem: ProblemBody, { rename, known }: { rename?: (field: string) => string; known?: string[] } = {}): FormErrors {
  if ((problem.status === 403 && problem.code !== 'csrf_failed') || problem.status === 404 || problem.code === 'authentication_required') {
    throw new Problem(problem.status, problem.code, problem.detail);
  }
  const errors = formErrorsOf(view, problem, rename);
  if (known) errors.fields = Object.fromEntries(Object.entries(errors.fields).filter(([name]) => known.includes(name)));
  return errors;
}

/** Problems with a page's query (filters, year, cursor), by the filter field they name. */
export function queryErrorsOf(view: View, problem: ProblemBody): FormErrors {
  const fields: Record<string, string> = {};
  for (const error of problem.errors ?? []) {
    if (error.in !== 'querystring' && error.in !== 'params') continue;
    const name = fieldNameOf(error.pointer);
    const params = error.limit === undefined ? undefined : { limit: error.limit };
    fields[name] ??= view.lookup(`field.${error.code ?? 'invalid'}`, params) ?? view.t('field.invalid');
  }
  return { summary: view.lookup(`problem.${problem.code}`) ?? view.t('problem.generic', { detail: problem.detail }), fields };
}

/** Says what the last form did, from the `?done=` flag of the page it led to. */
export function DoneNotice({ view, done }: { view: View; done: unknown }) {
  const text = typeof done === 'string' ? view.lookup(`adminSettings.done.${done}`) : undefined;
  return text ? <Notice kind="success">{text}</Notice> : null;
}

/** A calendar date (2024-05-25) as its reader writes it; no zone: a date is the same day everywhere. */
export const formatDay = (view: View, date: string) => {
  const day = DateTime.fromISO(date, { zone: 'utc' }).setLocale(view.lang === 'zh' ? 'zh-CN' : 'en-GB');
  return view.lang === 'zh' ? day.toFormat('yyyy年M月d日') : day.toFormat('d LLLL yyyy');
};
export const formatDays = (view: View, start: string, end: string) => (start === end ? formatDay(view, start) : `${formatDay(view, start)}–${formatDay(view, end)}`);

export { Checkbox, TextArea } from '../../components.js';

/**
 * The values of one of the API's enums (venue kinds, roles…), read from its schema: the pages
 * offer exactly what the API accepts, without reaching into the database schema.
 */
export const enumOf = <T extends string>(schema: TUnsafe<T>): T[] => [...((schema as unknown as { enum?: T[] }).enum ?? [])];

export type UnitItem = { id: string; slug: string; kind: 'bureau' | 'association' | 'town'; nameZh: string; nameEn: string };
export type TownItem = { id: string; slug: string; nameZh: string; nameEn: string };

/** Names by id, in the reader's language, for lists that hold ids (account units, lead units). */
export const namesById = (view: View, items: { id: string; nameZh: string; nameEn: string | null }[]) =>
  new Map(items.map((item) => [item.id, view.lang === 'en' && item.nameEn ? item.nameEn : item.nameZh]));
