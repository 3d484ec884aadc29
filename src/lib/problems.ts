/**
 * Errors the API answers with, as RFC 9457 problem details. Each has a stable
 * machine `code`; `errors` lists every field at fault as a JSON pointer into the
 * part of the request it came from.
 */
/**
 * `code` names the rule the field broke, stably (a schema keyword such as `required`,
 * `format` or `maximum`, or a domain rule such as `phone_format`), so a form can say it in
 * the reader's language; `limit` is the bound for `minimum`, `maxLength`, `party_size_limit`….
 */
export type FieldProblem = { in: 'body' | 'querystring' | 'params' | 'headers'; pointer: string; detail: string; code?: string; limit?: number };

export class Problem extends Error {
  override name = 'Problem';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { errors?: FieldProblem[]; [key: string]: unknown } = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string, id?: string) =>
  new Problem(404, `${what}_not_found`, id === undefined ? `No such ${what.replace(/_/g, ' ')}.` : `No ${what.replace(/_/g, ' ')} with id ${JSON.stringify(id)}.`);

/** A body valid in form but not in meaning (end before start, unknown reference). */
export const unprocessable = (code: string, message: string, errors: FieldProblem[]) =>
  new Problem(422, code, message, { errors });

export const fieldError = (pointer: string, detail: string, code = 'invalid', limit?: number): FieldProblem =>
  ({ in: 'body', pointer, detail, code, ...(limit === undefined ? {} : { limit }) });

export const conflict = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  new Problem(409, code, message, extra);

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 410: 'Gone', 413: 'Content Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};
export const titleFor = (status: number) => TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export type ProblemBody = {
  type: string; title: string; status: number; code: string; detail: string; instance?: string;
  errors?: FieldProblem[]; [key: string]: unknown;
};

export function problemBody(status: number, code: string, detail: string, extra: Record<string, unknown> = {}, instance?: string): ProblemBody {
  return {
    type: `urn:kepu:problem:${code}`,
    title: titleFor(status),
    status,
    code,
    detail,
    ...(instance ? { instance } : {}),
    ...extra,
  };
}
