import type { FastifyPluginAsync } from 'fastify';
import { apiFor, setCookiesOf } from '../api.js';
import { ErrorSummary, Field, Notice } from '../components.js';
import { formErrorsOf, noErrors, type FormErrors } from '../form-errors.js';
import { Layout } from '../layout.js';
import { sendPage, seeOther } from '../render.js';
import type { UiDeps } from '../ui.routes.js';
import { viewOf, type View } from '../view.js';
import { csrfOf, safeNext } from './guard.js';

type LoginForm = { email?: string; password?: string; next?: string };

function LoginPage({ view, form, errors, notice }: { view: View; form: LoginForm; errors: FormErrors; notice?: string }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('auth.title')} admin>
      <h1>{t('auth.title')}</h1>
      {notice && <Notice kind="success">{notice}</Notice>}
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action="/admin/login" class="narrow">
        <input type="hidden" name="next" value={safeNext(form.next)} />
        <Field view={view} name="email" label={t('auth.email')} type="email" autocomplete="username" value={form.email} errors={errors} required />
        <Field view={view} name="password" label={t('auth.password')} type="password" autocomplete="current-password" errors={errors} required />
        <button type="submit">{t('auth.submit')}</button>
      </form>
      <p><a href="/admin/password-reset">{t('auth.forgot')}</a></p>
    </Layout>
  );
}

/** Sign-in, sign-out, "forgot my password", and the page the invitation and reset mails link to. */
export const authPages: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  const access = { access: 'public' } as const;

  app.get<{ Querystring: { next?: string; out?: string } }>('/admin/login', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    if (view.staff) return seeOther(reply, safeNext(request.query.next));
    return sendPage(reply, <LoginPage view={view} form={{ next: request.query.next }} errors={noErrors} notice={request.query.out ? view.t('auth.signedOut') : undefined} />);
  });

  app.post<{ Body: LoginForm }>('/admin/login', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const form = request.body ?? {};
    const answer = await apiFor(inject, request)('POST', '/auth/login', { email: form.email ?? '', password: form.password ?? '' });
    if (!answer.ok) return sendPage(reply, <LoginPage view={view} form={{ ...form, password: '' }} errors={formErrorsOf(view, answer.problem)} />, answer.status);
    for (const cookie of setCookiesOf(answer)) reply.header('set-cookie', cookie);
    return seeOther(reply, safeNext(form.next));
  });

  app.post('/admin/logout', { config: access, schema: { hide: true } }, async (request, reply) => {
    const answer = await apiFor(inject, request, csrfOf(request.body))('POST', '/auth/logout');
    for (const cookie of setCookiesOf(answer)) reply.header('set-cookie', cookie);
    return seeOther(reply, '/admin/login?out=1');
  });

  app.get('/admin/password-reset', { config: access, schema: { hide: true } }, async (request, reply) => sendPage(reply, <ResetPage view={viewOf(request)} errors={noErrors} />));

  app.post<{ Body: { email?: string } }>('/admin/password-reset', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const answer = await apiFor(inject, request)('POST', '/auth/password-reset', { email: request.body?.email ?? '' });
    if (!answer.ok) return sendPage(reply, <ResetPage view={view} email={request.body?.email} errors={formErrorsOf(view, answer.problem)} />, answer.status);
    return sendPage(reply, <ResetPage view={view} errors={noErrors} sent />);
  });

  app.get<{ Querystring: { secret?: string } }>('/admin/password', { config: access, schema: { hide: true } }, async (request, reply) => {
    // The secret stays out of the Referer of anything this page loads.
    reply.header('referrer-policy', 'no-referrer');
    return sendPage(reply, <SetPasswordPage view={viewOf(request)} secret={request.query.secret ?? ''} errors={noErrors} />);
  });

  app.post<{ Body: { secret?: string; password?: string } }>('/admin/password', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const secret = request.body?.secret ?? '';
    const answer = await apiFor(inject, request)('POST', '/auth/password-link', { secret, password: request.body?.password ?? '' });
    if (!answer.ok) return sendPage(reply, <SetPasswordPage view={view} secret={secret} errors={formErrorsOf(view, answer.problem)} />, answer.status);
    return sendPage(reply, <LoginPage view={view} form={{}} errors={noErrors} notice={view.t('auth.setDone')} />);
  });
};

function ResetPage({ view, errors, email, sent = false }: { view: View; errors: FormErrors; email?: string; sent?: boolean }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('auth.resetTitle')} admin>
      <h1>{t('auth.resetTitle')}</h1>
      {sent ? <Notice kind="success">{t('auth.resetSent')}</Notice> : (
        <>
          <p>{t('auth.resetIntro')}</p>
          <ErrorSummary view={view} errors={errors} />
          <form method="post" action="/admin/password-reset" class="narrow">
            <Field view={view} name="email" label={t('auth.email')} type="email" autocomplete="username" value={email} errors={errors} required />
            <button type="submit">{t('auth.resetSubmit')}</button>
          </form>
        </>
      )}
    </Layout>
  );
}

function SetPasswordPage({ view, secret, errors }: { view: View; secret: string; errors: FormErrors }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('auth.setTitle')} admin>
      <h1>{t('auth.setTitle')}</h1>
      <p>{t('auth.setIntro')}</p>
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action="/admin/password" class="narrow">
        <input type="hidden" name="secret" value={secret} />
        <Field view={view} name="password" label={t('auth.newPassword')} type="password" autocomplete="new-password" minLength={12} errors={errors} required />
        <button type="submit">{t('auth.setSubmit')}</button>
      </form>
    </Layout>
  );
}
