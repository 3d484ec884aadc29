import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { redactSecrets } from '../lib/redact.js';
import { databaseError, databaseUnavailable } from '../lib/database-errors.js';
import { PROBLEM_CONTENT_TYPE, Problem, problemBody, type FieldProblem } from '../lib/problems.js';

type AjvError = { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> };
type ValidationContext = FieldProblem['in'];

function fieldProblems(context: ValidationContext, errors: AjvError[]): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const e of errors) {
    // TypeBox unions report every branch; the branch errors say more than "must match anyOf".
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    let pointer = e.instancePath;
    let detail = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      pointer = `${pointer}/${String(e.params.missingProperty)}`;
      detail = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      pointer = `${pointer}/${String(e.params.additionalProperty)}`;
      detail = context === 'querystring' ? 'is not a known query parameter' : 'is not a known field';
    }
    const key = `${pointer}\u0000${detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const limit = typeof e.params.limit === 'number' ? { limit: e.params.limit } : {};
    const code = e.keyword === 'format' ? `format_${String(e.params.format)}` : e.keyword;
    problems.push({ in: context, pointer: pointer || '/', detail, code, ...limit });
  }
  return problems;
}


const DATABASE_PROBLEMS: Record<string, [number, string, string]> = {
  '23505': [409, 'duplicate', 'A record with the same unique value already exists.'],
  '23503': [409, 'reference_conflict', 'The change refers to a record that does not exist, or removes one still in use.'],
  '23514': [422, 'constraint_violated', 'The values are inconsistent with each other.'],
  '22P02': [400, 'invalid_value', 'A value has the wrong format.'],
  '22008': [400, 'invalid_value', 'A date or time is out of range.'],
  '22003': [400, 'invalid_value', 'A number is out of range.'],
  '22021': [400, 'invalid_value', 'Text contains a character that cannot be stored (such as NUL).'],
  '54000': [400, 'invalid_value', 'A value is too large to store or compare.'],
};

/** Constraints whose violation has a meaning of its own for the caller. */
const CONSTRAINT_PROBLEMS: Record<string, [number, string, string]> = {
  sessions_seats_check: [409, 'capacity_below_booked', 'The capacity would be smaller than the seats already booked: cancel or move registrations first.'],
};

export function toProblem(error: FastifyError & { validation?: AjvError[]; validationContext?: string }): { status: number; body: ReturnType<typeof problemBody> } {
  if (error instanceof Problem) {
    return { status: error.status, body: problemBody(error.status, error.code, error.message, error.extra) };
  }
  if (error.validation) {
    const context = (error.validationContext ?? 'body') as ValidationContext;
    const errors = fieldProblems(context, error.validation);
    // An id, slug or manage token of the wrong shape names nothing that exists: same answer as an unknown one.
    // Other path values (a year) are input like any other and get a 400 naming them.
    if (context === 'params' && errors.every((e) => /^\/(id|slug|token|[a-z]+Id)$/.test(e.pointer))) {
      return { status: 404, body: problemBody(404, 'not_found', 'No such resource.') };
    }
    return { status: 400, body: problemBody(400, 'validation_failed', `The request ${context === 'body' ? 'body' : context} is invalid.`, { errors }) };
  }
  if (databaseUnavailable(error)) {
    return { status: 503, body: problemBody(503, 'database_unavailable', 'The database does not answer just now; try again in a few seconds.') };
  }
  const database = databaseError(error);
  const known = database ? CONSTRAINT_PROBLEMS[database.constraint ?? ''] ?? DATABASE_PROBLEMS[database.code] : undefined;
  if (known) {
    const constraint = database?.constraint;
    return { status: known[0], body: problemBody(known[0], known[1], known[2], constraint ? { constraint } : {}) };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large'
      : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type'
      : error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? 'malformed_body'
      : (error.code ?? 'bad_request').toLowerCase();
    return { status, body: problemBody(status, code, error.message) };
  }
  return { status: 500, body: problemBody(500, 'internal_error', 'Something went wrong on our side; it has been logged.') };
}

export function sendProblem(reply: FastifyReply, status: number, body: object) {
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(body);
}

/** One place that turns every failure into problem+json; 5xx details stay in the log. */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toProblem(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.code, status }, 'request refused');
    if (status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '5');
    if (status === 401) reply.header('www-authenticate', 'Bearer');
    return sendProblem(reply, status, { ...body, instance: redactSecrets(request.url.split('?')[0]!) });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, problemBody(404, 'route_not_found', `No route ${request.method} ${redactSecrets(request.url.split('?')[0]!)}.`)),
  );
}, { name: 'errors' });

/** For errors Node's HTTP parser meets before Fastify sees a request (URL or headers too long). */
export function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify(problemBody(status, tooLarge ? 'headers_too_large' : 'malformed_request',
    tooLarge ? 'The request line or headers are too long.' : 'The request could not be parsed.'));
  return `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
