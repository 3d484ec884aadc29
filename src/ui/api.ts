import type { FastifyInstance, FastifyRequest, InjectOptions } from 'fastify';
import { CSRF_HEADER } from '../plugins/auth.js';
import { Problem, type ProblemBody } from '../lib/problems.js';

export type ApiAnswer<T> =
  | { ok: true; status: number; body: T; headers: Record<string, unknown> }
  | { ok: false; status: number; problem: ProblemBody; headers: Record<string, unknown> };

/** With `contentType`, the body (a Buffer or string) is sent as it is, not as JSON: an uploaded file. */
export type ApiCall = <T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, contentType?: string) => Promise<ApiAnswer<T>>;

/**
 * The pages read and write through the JSON API, in process: a form is checked by exactly
 * the rules, rights, rate limits and audit of the API (no second validation that could
 * disagree), and its problems come back with the codes and field pointers the page turns
 * into messages. The caller's cookie, address and CSRF token (from the form) go along.
 */
export function apiFor(inject: FastifyInstance['inject'], request: FastifyRequest, csrf?: string, { asPublic = false } = {}): ApiCall {
  return async <T>(method: string, path: string, body?: unknown, contentType?: string) => {
    const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
    if (request.headers.cookie && !asPublic) headers.cookie = request.headers.cookie;
    if (request.headers['user-agent']) headers['user-agent'] = request.headers['user-agent'];
    if (csrf) headers[CSRF_HEADER] = csrf;
    const options: InjectOptions = { method: method as InjectOptions['method'], url: `/api/v1${path}`, headers, remoteAddress: request.ip };
    if (body !== undefined) options.payload = body as InjectOptions['payload'];
    const res = await inject(options);
    const parsed = res.body ? safeJson(res.body) : null;
    if (res.statusCode < 400) return { ok: true, status: res.statusCode, body: parsed as T, headers: res.headers };
    const problem = (parsed && typeof parsed === 'object' ? parsed : { code: 'error', detail: res.body, status: res.statusCode }) as ProblemBody;
    return { ok: false, status: res.statusCode, problem, headers: res.headers };
  };
}

/**
 * The public site reads as the public does, even for a signed-in organizer browsing it: no
 * drafts, no staff-only fields. The sign-up and manage-link calls need no cookie either.
 */
export const publicApiFor = (inject: FastifyInstance['inject'], request: FastifyRequest): ApiCall => apiFor(inject, request, undefined, { asPublic: true });

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A read the page cannot do without: a refusal (403, 404…) becomes the error page, with the API's status and code. */
export function bodyOf<T>(answer: ApiAnswer<T>): T {
  if (answer.ok) return answer.body;
  throw new Problem(answer.status, answer.problem.code, answer.problem.detail);
}

/** Passes the API's Set-Cookie (the session at sign-in, its end at sign-out) to the browser. */
export function setCookiesOf(answer: ApiAnswer<unknown>): string[] {
  const cookies = answer.headers['set-cookie'];
  return cookies === undefined ? [] : [cookies].flat().map(String);
}
