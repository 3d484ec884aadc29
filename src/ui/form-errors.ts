import type { ProblemBody } from '../lib/problems.js';
import type { View } from './view.js';

/** What a form shows after the API refused it: one line on top, and a message by each field. */
export type FormErrors = { summary: string; fields: Record<string, string> };

/**
 * Form fields are named after the JSON pointer of the API field they fill, with dots:
 * `/sessions/0/startsAt` is the field `sessions.0.startsAt`. So a problem's pointer finds
 * its field without a table to keep in step.
 */
export const fieldNameOf = (pointer: string) => pointer.replace(/^\//, '').replace(/\//g, '.');

/** The API's problem in the reader's language, through the catalogue: by field code, else the problem's code. */
export function formErrorsOf(view: View, problem: ProblemBody, rename: (field: string) => string = (f) => f): FormErrors {
  const fields: Record<string, string> = {};
  for (const error of problem.errors ?? []) {
    if (error.in !== 'body') continue;
    const field = rename(fieldNameOf(error.pointer));
    if (fields[field]) continue;
    const params = error.limit === undefined ? undefined : { limit: error.limit };
    fields[field] = view.lookup(`field.${error.code ?? 'invalid'}`, params) ?? view.t('field.invalid');
  }
  const summary = view.lookup(`problem.${problem.code}`) ?? view.t('problem.generic', { detail: problem.detail });
  return { summary, fields };
}

export const noErrors: FormErrors = { summary: '', fields: {} };
