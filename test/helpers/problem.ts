import type { LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';

type Assert = Pick<Test, 'equal' | 'match' | 'same' | 'ok'>;
export type ProblemBody = { status: number; code: string; [key: string]: any };

/**
 * Asserts a problem+json answer with this status and code. With `pointers`, the fields
 * named in `errors` are exactly those (`exact`, the default) or include them.
 */
export function problem(t: Assert, res: LightMyRequestResponse, status: number, code: string, pointers?: string[], { exact = true } = {}): ProblemBody {
  t.equal(res.statusCode, status, `answers ${status} (${res.body.slice(0, 300)})`);
  t.match(res.headers['content-type'], /^application\/problem\+json/, 'as problem+json');
  const body = res.json<ProblemBody>();
  t.equal(body.code, code, `with code ${code}`);
  if (pointers) {
    const named = [...new Set(((body.errors ?? []) as { pointer: string }[]).map((e) => e.pointer))].sort();
    if (exact) t.same(named, [...pointers].sort(), `naming ${pointers.join(', ')}`);
    else for (const pointer of pointers) t.ok(named.includes(pointer), `naming ${pointer} (got ${JSON.stringify(named)})`);
  }
  return body;
}
