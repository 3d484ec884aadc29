import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { Problem } from '../../lib/problems.js';
import { IdParams, problems } from '../../lib/schemas.js';
import { SESSION_COOKIE } from '../../plugins/auth.js';
import { createAccountsService } from './accounts.service.js';
import {
  AccountSchema, ChangePasswordBody, CreateTokenBody, CreatedTokenResponse, InviteBody, InviteResponse, LoginBody, LoginResponse,
  PasswordLinkBody, PasswordResetBody, TokenSchema, UpdateAccountBody,
} from './accounts.schemas.js';
import { isSignedIn, type SignedIn } from './principal.js';
import { SESSION_IDLE_MS } from './accounts.queries.js';
import { actorOf } from '../audit/audit.js';

export const accountsRoutes: FastifyPluginAsyncTypebox<{ db: Database; clock: Clock; config: Config }> = async (app, { db, clock, config }) => {
  const accounts = createAccountsService({ db, clock, secretKey: config.SECRET_KEY! });
  const tags = ['accounts'];
  const account = Type.Ref(AccountSchema);
  const secureCookie = config.PUBLIC_BASE_URL.startsWith('https://');
  const me = (principal: unknown) => principal as SignedIn;

  app.post('/auth/login', {
    config: {
      access: 'public',
      rateLimit: { max: config.LOGIN_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000, keyGenerator: (request) => `login:${request.ip}` },
    },
    schema: { tags, operationId: 'login', summary: 'Sign in; sets the session cookie and returns the CSRF token', body: LoginBody, response: { 200: LoginResponse, ...problems(400, 401, 429) } },
  }, async (request, reply) => {
    try {
      const { sessionSecret, csrfToken, account: signedIn } = await accounts.login(request.body.email, request.body.password);
      reply.setCookie(SESSION_COOKIE, sessionSecret, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookie, maxAge: SESSION_IDLE_MS / 1000 });
      return { account: signedIn, csrfToken };
    } catch (error) {
      if (error instanceof Problem && error.code === 'login_locked') reply.header('retry-after', String(error.extra.retryAfter));
      throw error;
    }
  });

  app.post('/auth/logout', {
    config: { access: 'signed_in' },
    schema: { tags, operationId: 'logout', response: { 204: Type.Null(), ...problems(401, 403) } },
  }, async (request, reply) => {
    if (request.authSession) await accounts.logout(request.authSession.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });

  app.get('/auth/me', {
    config: { access: 'signed_in' },
    schema: { tags, operationId: 'getMe', response: { 200: Type.Object({ account, via: Type.String(), scope: Type.String(), csrfToken: Type.Union([Type.String(), Type.Null()]) }), ...problems(401) } },
  }, async (request) => {
    const principal = me(request.principal);
    return { account: await accounts.describe(principal.accountId), via: principal.via, scope: principal.scope, csrfToken: request.authSession?.csrfToken ?? null };
  });

  app.post('/auth/password', {
    config: { access: 'signed_in' },
    schema: { tags, operationId: 'changePassword', body: ChangePasswordBody, response: { 204: Type.Null(), ...problems(400, 401, 403) } },
  }, async (request, reply) => {
    await accounts.changePassword(me(request.principal).accountId, request.body.currentPassword, request.body.newPassword);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });

  app.post('/auth/password-reset', {
    config: {
      access: 'public',
      // Each request may send a mail: limited with sign-ins, per client address.
      rateLimit: { max: config.LOGIN_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000, keyGenerator: (request) => `login:${request.ip}` },
    },
    schema: {
      tags, operationId: 'requestPasswordReset', summary: 'Forgot my password: a reset link (valid an hour) is mailed to the account\'s address',
      description: 'Always 202: the answer does not tell whether the address has an account.',
      body: PasswordResetBody, response: { 202: Type.Object({ detail: Type.String() }), ...problems(400, 429) },
    },
  }, async (request, reply) => {
    await accounts.requestPasswordReset(request.body.email);
    return reply.code(202).send({ detail: 'If this address has an account, a link to set a new password is on its way there.' });
  });

  app.post('/auth/password-link', {
    config: { access: 'public' },
    schema: { tags, operationId: 'setPasswordFromLink', summary: 'Accept an invitation or a reset link by setting a password', body: PasswordLinkBody, response: { 204: Type.Null(), ...problems(400, 410) } },
  }, async (request, reply) => {
    await accounts.usePasswordLink(request.body.secret, request.body.password);
    return reply.code(204).send(null);
  });

  app.get('/auth/tokens', {
    config: { access: 'signed_in' },
    schema: { tags, operationId: 'listMyTokens', response: { 200: Type.Object({ items: Type.Array(Type.Ref(TokenSchema)) }), ...problems(401) } },
  }, async (request) => ({ items: await accounts.listTokens(me(request.principal).accountId) }));

  app.post('/auth/tokens', {
    config: { access: 'signed_in' },
    schema: { tags, operationId: 'createToken', summary: 'An API token with your rights or narrower; the secret is shown once', body: CreateTokenBody, response: { 201: CreatedTokenResponse, ...problems(400, 401, 403, 422) } },
  }, async (request, reply) => reply.code(201).send(await accounts.createToken(me(request.principal), request.body)));

  app.post('/auth/tokens/:id/revoke', {
    config: { access: 'signed_in' },
    schema: { tags, operationId: 'revokeToken', params: IdParams, response: { 200: Type.Ref(TokenSchema), ...problems(401, 403, 404, 409) } },
  }, async (request) => accounts.revokeToken(me(request.principal), request.params.id));

  app.get('/accounts', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'listAccounts', response: { 200: Type.Object({ items: Type.Array(account) }), ...problems(401, 403) } },
  }, async () => ({ items: await accounts.list() }));

  app.post('/accounts', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'inviteAccount', summary: 'Create an account and its invitation link', body: InviteBody, response: { 201: InviteResponse, ...problems(400, 401, 403, 409, 422) } },
  }, async (request, reply) => {
    const { account: created, inviteSecret } = await accounts.invite(request.body, actorOf(request.principal));
    return reply.code(201).send({ account: created, inviteUrl: `${config.PUBLIC_BASE_URL}/admin/password?secret=${inviteSecret}` });
  });

  app.patch('/accounts/:id', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'updateAccount', params: IdParams, body: UpdateAccountBody, response: { 200: account, ...problems(400, 401, 403, 404, 422) } },
  }, async (request) => {
    if (isSignedIn(request.principal) && request.params.id === request.principal.accountId && (request.body.disabled || (request.body.role && request.body.role !== 'admin'))) {
      throw new Problem(409, 'last_admin_guard', 'Administrators cannot disable or demote themselves; another administrator can.');
    }
    return accounts.update(request.params.id, request.body, actorOf(request.principal));
  });
};
