import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { counterStore } from '../../plugins/rate-limit-store.js';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { Problem } from '../../lib/problems.js';
import { IdParams, problems } from '../../lib/schemas.js';
import { asId, type UnitsOf } from '../../plugins/auth.js';
import { actorOf } from '../audit/audit.js';
import type { ChangeRecorder } from '../changes/change-recorder.js';
import { ownerUnitOf } from '../events/events.queries.js';
import { CONSENT } from './consent.js';
import { normalizeEmail, phoneDigits } from './contact.js';
import { createRegistrationsService } from './registrations.service.js';
import { createRegistrationAdminService } from './registrations.admin.js';
import { createQuestionsService } from './questions.service.js';
import { registrationOverviewRoutes } from './registrations.overview.routes.js';
import {
  AssistedSignUpBody, AttendanceBody, AttendanceResponse, ChangeRegistrationBody, CheckInBody, ConsentSchema, CreateQuestionBody, ExportQuery,
  ManageParams, QuestionParams, QuestionSchema, RegistrationListQuery, RegistrationPage, RegistrationParams, RegistrationSchema, SignUpBody,
  SendLinkBody, SignUpResponse, UpdateQuestionBody,
} from './registrations.schemas.js';
import { SessionParams } from '../events/events.schemas.js';

type Deps = { db: Database; clock: Clock; changes: ChangeRecorder; config: Config };

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 8, maxLength: 200, description: 'A retried request with the same key gets the first answer (kept 24 hours)' })),
});

/**
 * Contacts are counted as they are stored (however a number is written) and under a hash:
 * the limiter's table holds no phone numbers or addresses.
 */
const contactKeys = (body: Partial<SignUpBody> | undefined) =>
  [...[body?.phone, body?.teacherPhone].map((p) => p && phoneDigits(p)), ...[body?.email, body?.teacherEmail].map((e) => e && normalizeEmail(e))]
    .filter((c): c is string => typeof c === 'string' && c.length > 0)
    .map((c) => `signup-contact:${createHash('sha256').update(c).digest('hex').slice(0, 32)}`);

export const registrationsRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, { db, clock, changes, config }) => {
  const registrations = createRegistrationsService({ db, clock, changes, baseUrl: config.PUBLIC_BASE_URL, secretKey: config.SECRET_KEY! });
  const admin = createRegistrationAdminService({ db, clock });
  const questions = createQuestionsService({ db, afterChange: registrations.forgetEvent });
  const tags = ['registrations'];
  const registration = Type.Ref(RegistrationSchema);
  const eventOwner: UnitsOf = async (request) => [await ownerUnitOf(db, asId((request.params as { id?: unknown }).id))];
  const organizers = { units: eventOwner } as const;
  const organizersAndCheckers = { units: eventOwner, checkIn: true } as const;
  const byId = (request: { params: { id: string; registrationId: string } }) => ({ eventId: request.params.id, id: request.params.registrationId });

  const hit = counterStore(db);
  /**
   * Public sign-ups are limited per client address and per phone or email, counted in one
   * statement after the body is read (so both limits cost one round trip).
   */
  async function limitSignUps(request: FastifyRequest, reply: FastifyReply) {
    const address = { key: `signup:${request.ip}`, windowMs: 60_000, max: config.SIGNUP_RATE_LIMIT_PER_MINUTE, what: 'from this address' };
    const limits = [address, ...contactKeys(request.body as Partial<SignUpBody>).map((key) => ({ key, windowMs: 3600_000, max: config.SIGNUP_CONTACT_LIMIT_PER_HOUR, what: 'with this contact' }))];
    const counts = new Map((await hit(limits)).map((c) => [c.key, c]));
    for (const limit of limits) {
      const count = counts.get(limit.key)!;
      if (count.hits > limit.max) {
        reply.header('retry-after', String(Math.ceil(count.ttlMs / 1000)));
        throw new Problem(429, 'rate_limited', `Too many sign-ups ${limit.what}; try again in ${Math.ceil(count.ttlMs / 1000)} s.`);
      }
    }
  }

  app.get('/consent', {
    config: { access: 'public' },
    schema: { tags, operationId: 'getConsent', summary: 'The consent text sign-ups agree to, with its version', response: { 200: ConsentSchema } },
  }, async () => CONSENT);

  app.post('/events/:id/registrations', {
    config: { access: 'public' },
    preHandler: limitSignUps,
    schema: {
      tags, operationId: 'signUp', summary: 'Sign up, as a person (with a party) or a school class; no account needed',
      params: IdParams, headers: IdempotencyHeaders, body: SignUpBody, response: { 201: SignUpResponse, ...problems(400, 404, 409, 422, 429) },
    },
  }, async (request, reply) => {
    const answer = await registrations.signUp(request.params.id, request.body, { idempotencyKey: request.headers['idempotency-key'] });
    if (answer.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(answer.body);
  });

  app.post('/events/:id/registrations/send-link', {
    config: { access: 'public' },
    preHandler: limitSignUps,
    schema: {
      tags, operationId: 'sendManageLinkAgain',
      summary: 'Send my link again: mails the manage link of each live registration for the event made with this address',
      description: 'Always 202 when the event exists, whether or not anyone registered with the address (the answer must not tell who is registered). Limited like sign-ups, per address and per email. People who gave only a phone number ask an organizer.',
      params: IdParams, body: SendLinkBody,
      response: { 202: Type.Object({ detail: Type.String() }), ...problems(400, 404, 429) },
    },
  }, async (request, reply) => {
    await registrations.sendLinkAgain(request.params.id, request.body.email);
    return reply.code(202).send({ detail: 'If a registration for this event was made with this address, its link is on its way there.' });
  });

  // The manage link: whoever holds the token is the registrant. Tokens are redacted from logs (see app.ts).
  app.get('/registrations/:token', {
    config: { access: 'public' },
    schema: { tags, operationId: 'getMyRegistration', params: ManageParams, response: { 200: registration, ...problems(404) } },
  }, async (request) => registrations.view(request.params.token));

  app.patch('/registrations/:token', {
    config: { access: 'public' },
    schema: { tags, operationId: 'changeMyRegistration', summary: 'Change the party size or headcount, or the language', params: ManageParams, body: ChangeRegistrationBody, response: { 200: registration, ...problems(400, 404, 409, 422) } },
  }, async (request) => registrations.change({ token: request.params.token }, request.body));

  app.post('/registrations/:token/cancel', {
    config: { access: 'public' },
    schema: { tags, operationId: 'cancelMyRegistration', params: ManageParams, response: { 200: registration, ...problems(404, 409) } },
  }, async (request) => registrations.cancel({ token: request.params.token }));

  app.delete('/registrations/:token', {
    config: { access: 'public' },
    schema: { tags, operationId: 'eraseMyRegistration', summary: 'Cancel (if still live) and erase my personal data; the link stops working', params: ManageParams, response: { 204: Type.Null(), ...problems(404) } },
  }, async (request, reply) => {
    await registrations.erase(request.params.token);
    return reply.code(204).send(null);
  });

  app.get('/events/:id/registrations', {
    config: { access: organizersAndCheckers },
    schema: { tags, operationId: 'listRegistrations', summary: 'Registrations of an event with per-session totals (personal data: organizers and checkers of the event)', params: IdParams, querystring: RegistrationListQuery, response: { 200: RegistrationPage, ...problems(400, 401, 403, 404) } },
  }, async (request) => admin.list(request.params.id, request.query));

  app.get('/events/:id/registrations.csv', {
    config: { access: organizers },
    schema: { tags, operationId: 'exportRegistrations', summary: 'Registrations as CSV for Excel (UTF-8 with BOM); the export is audited', params: IdParams, querystring: ExportQuery, produces: ['text/csv'], response: { 200: Type.String(), ...problems(401, 403, 404) } },
  }, async (request, reply) => {
    const { csv, filename } = await admin.exportCsv(request.params.id, request.query, actorOf(request.principal));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="registrations.csv"; filename*=UTF-8''${encodeURIComponent(filename)}`).send(csv);
  });

  app.post('/events/:id/registrations/assisted', {
    config: { access: organizers },
    schema: { tags, operationId: 'registerOnBehalf', summary: 'Register someone by phone, or record a walk-in (walkIn: true); the window does not apply', params: IdParams, headers: IdempotencyHeaders, body: AssistedSignUpBody, response: { 201: SignUpResponse, ...problems(400, 401, 403, 404, 409, 422) } },
  }, async (request, reply) => {
    const answer = await registrations.assisted(request.params.id, request.body, actorOf(request.principal), request.headers['idempotency-key']);
    if (answer.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(answer.body);
  });

  app.patch('/events/:id/registrations/:registrationId', {
    config: { access: organizers },
    schema: { tags, operationId: 'changeRegistration', params: RegistrationParams, body: ChangeRegistrationBody, response: { 200: registration, ...problems(400, 401, 403, 404, 409, 422) } },
  }, async (request) => registrations.change(byId(request), request.body, actorOf(request.principal)));

  app.post('/events/:id/registrations/:registrationId/cancel', {
    config: { access: organizers },
    schema: { tags, operationId: 'cancelRegistration', params: RegistrationParams, response: { 200: registration, ...problems(401, 403, 404, 409) } },
  }, async (request) => registrations.cancel(byId(request), actorOf(request.principal)));

  app.post('/events/:id/registrations/:registrationId/promote', {
    config: { access: organizers },
    schema: { tags, operationId: 'promoteRegistration', summary: 'Confirm a waitlisted registration by hand (also within the cut-off), if it fits', params: RegistrationParams, response: { 200: registration, ...problems(401, 403, 404, 409) } },
  }, async (request) => registrations.promote(request.params.id, request.params.registrationId, actorOf(request.principal)));

  app.post('/events/:id/registrations/:registrationId/manage-link', {
    config: { access: organizers },
    schema: { tags, operationId: 'renewManageLink', summary: 'A new manage link for someone who lost theirs (the old one stops working)', params: RegistrationParams, response: { 200: SignUpResponse, ...problems(401, 403, 404, 409) } },
  }, async (request) => registrations.renewManageLink(request.params.id, request.params.registrationId, actorOf(request.principal)));

  app.post('/events/:id/check-ins', {
    config: { access: organizersAndCheckers },
    schema: { tags, operationId: 'checkIn', summary: 'Check in by the code on the confirmation, or by registration id', params: IdParams, body: CheckInBody, response: { 200: registration, ...problems(400, 401, 403, 404, 409, 422) } },
  }, async (request) => registrations.checkIn(request.params.id, request.body, actorOf(request.principal)));

  app.delete('/events/:id/check-ins/:registrationId', {
    config: { access: organizersAndCheckers },
    schema: { tags, operationId: 'undoCheckIn', params: RegistrationParams, response: { 200: registration, ...problems(401, 403, 404, 409) } },
  }, async (request) => registrations.undoCheckIn(request.params.id, request.params.registrationId, actorOf(request.principal)));

  app.get('/events/:id/attendance', {
    config: { access: organizers },
    schema: { tags, operationId: 'listAttendance', summary: 'People counted at each session of the event, per audience', params: IdParams, response: { 200: Type.Object({ items: Type.Array(AttendanceResponse) }), ...problems(401, 403, 404) } },
  }, async (request) => admin.attendanceOf(request.params.id));

  app.put('/events/:id/sessions/:sessionId/attendance', {
    config: { access: organizers },
    schema: { tags, operationId: 'recordAttendance', summary: 'People counted at a session, per audience (for sessions without registration)', params: SessionParams, body: AttendanceBody, response: { 200: AttendanceResponse, ...problems(400, 401, 403, 404, 422) } },
  }, async (request) => admin.recordAttendance(request.params.id, request.params.sessionId, request.body, actorOf(request.principal)));

  app.get('/events/:id/questions', {
    config: { access: organizers },
    schema: { tags, operationId: 'listQuestions', summary: 'The sign-up form\'s extra questions, hidden ones included', params: IdParams, response: { 200: Type.Object({ items: Type.Array(Type.Ref(QuestionSchema)) }), ...problems(401, 403, 404) } },
  }, async (request) => ({ items: await questions.list(request.params.id) }));

  app.post('/events/:id/questions', {
    config: { access: organizers },
    schema: { tags, operationId: 'createQuestion', params: IdParams, body: CreateQuestionBody, response: { 201: Type.Ref(QuestionSchema), ...problems(400, 401, 403, 404, 422) } },
  }, async (request, reply) => reply.code(201).send(await questions.create(request.params.id, request.body, actorOf(request.principal))));

  app.patch('/events/:id/questions/:questionId', {
    config: { access: organizers },
    schema: { tags, operationId: 'updateQuestion', summary: 'Relabel, require, reorder or hide; an answered question keeps its kind and option values', params: QuestionParams, body: UpdateQuestionBody, response: { 200: Type.Ref(QuestionSchema), ...problems(400, 401, 403, 404, 409, 422) } },
  }, async (request) => questions.update(request.params.id, request.params.questionId, request.body, actorOf(request.principal)));

  app.delete('/events/:id/questions/:questionId', {
    config: { access: organizers },
    schema: { tags, operationId: 'deleteQuestion', summary: 'Only while unanswered; hide it otherwise', params: QuestionParams, response: { 204: Type.Null(), ...problems(401, 403, 404, 409) } },
  }, async (request, reply) => {
    await questions.remove(request.params.id, request.params.questionId, actorOf(request.principal));
    return reply.code(204).send(null);
  });

  await app.register(registrationOverviewRoutes, { db, clock });
};
