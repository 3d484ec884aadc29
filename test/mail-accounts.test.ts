import t from 'tap';
import { eq } from 'drizzle-orm';
import { accountLinks, auditLog, outboxMessages } from '../src/db/schema/index.js';
import { mailScene } from './helpers/mail.js';
import { problem } from './helpers/problem.js';

/**
 * Staff accounts by mail: an administrator's invitation and "forgot my password" both send a
 * one-time link to the account's address. The link's secret is in the outbox only sealed
 * under SECRET_KEY, and the reset answer never tells whether an address has an account.
 */

const linkIn = (text: string) => {
  const found = /https?:\/\/\S+\/admin\/password\?secret=([\w-]+)/.exec(text);
  if (!found) throw new Error(`no password link in: ${text}`);
  return { url: found[0], secret: found[1]! };
};

t.test('an invited organizer gets the link by mail and signs in with the password it sets', async (t) => {
  const scene = await mailScene(t);
  const invited = await scene.call('POST', '/accounts', { email: 'Wang.Fang@Unit.example.cn', displayName: '王芳', role: 'organizer', unitIds: [scene.unit.id] });
  t.equal(invited.statusCode, 201, invited.body);
  const { inviteUrl } = invited.json<{ inviteUrl: string }>();

  const [mail, ...more] = await scene.deliver();
  t.equal(more.length, 0, 'one mail');
  t.same(mail!.envelope.to, ['wang.fang@unit.example.cn'], 'to the invited address');
  t.equal(mail!.parsed.headers.get('x-kepu-mail-kind'), 'mail.account_invite');
  t.equal(mail!.parsed.subject, '科普日历账号邀请 · Your Kepu Calendar account');
  const link = linkIn(mail!.parsed.text!);
  t.equal(link.url, inviteUrl, 'the same link the administrator was shown');
  t.ok(mail!.parsed.text!.includes('王芳，您好') && mail!.parsed.text!.includes('Dear 王芳'), 'greets them, in Chinese and English');
  t.ok((mail!.parsed.html as string).includes(`href="${inviteUrl}"`), 'the HTML links to it');
  t.match(mail!.parsed.text!, /2030-04-08 08:00（Asia\/Shanghai）/, 'says until when it works (7 days, in the calendar\'s zone)');

  const [planned] = await scene.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'mail.account_invite'));
  t.notOk(JSON.stringify(planned!.payload).includes(link.secret), 'the outbox holds the secret only sealed');

  const set = await scene.app.inject({ method: 'POST', url: '/api/v1/auth/password-link', payload: { secret: link.secret, password: 'a long enough password' } });
  t.equal(set.statusCode, 204, set.body);
  const login = await scene.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'wang.fang@unit.example.cn', password: 'a long enough password' } });
  t.equal(login.statusCode, 200, 'signs in with it');
  problem(t, await scene.app.inject({ method: 'POST', url: '/api/v1/auth/password-link', payload: { secret: link.secret, password: 'another long password' } }), 410, 'link_expired');
});

t.test('forgot my password: a reset link by mail, valid an hour, once; the answer never tells who has an account', async (t) => {
  const scene = await mailScene(t);
  await scene.call('POST', '/accounts', { email: 'li@unit.example.cn', displayName: '李明', role: 'organizer', unitIds: [scene.unit.id] });
  const invite = linkIn((await scene.deliver())[0]!.parsed.text!);
  await scene.app.inject({ method: 'POST', url: '/api/v1/auth/password-link', payload: { secret: invite.secret, password: 'the first password' } });

  const asked = await scene.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'LI@unit.example.cn' } });
  t.equal(asked.statusCode, 202);
  const stranger = await scene.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'nobody@unit.example.cn' } });
  t.equal(stranger.statusCode, 202);
  t.same(stranger.json(), asked.json(), 'the same answer for an address without an account');

  const mails = await scene.deliver();
  t.equal(mails.length, 1, 'mail only to the account');
  const [mail] = mails;
  t.same(mail!.envelope.to, ['li@unit.example.cn']);
  t.equal(mail!.parsed.headers.get('x-kepu-mail-kind'), 'mail.password_reset');
  t.match(mail!.parsed.text!, /2030-04-01 09:00（Asia\/Shanghai）/, 'valid an hour');
  const reset = linkIn(mail!.parsed.text!);

  const [audited] = await scene.db.select().from(auditLog).where(eq(auditLog.action, 'password_reset_requested'));
  t.ok(audited, 'the request is in the audit log');

  t.equal((await scene.app.inject({ method: 'POST', url: '/api/v1/auth/password-link', payload: { secret: reset.secret, password: 'the second password' } })).statusCode, 204);
  t.equal((await scene.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'li@unit.example.cn', password: 'the first password' } })).statusCode, 401, 'the old password is gone');
  t.equal((await scene.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'li@unit.example.cn', password: 'the second password' } })).statusCode, 200, 'the new one works');

  // A link asked for, then left an hour: expired, and a mail not yet sent by then is not sent at all.
  await scene.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'li@unit.example.cn' } });
  scene.clock.move(3600_000 + 1);
  t.equal((await scene.deliver()).length, 0, 'an expired link is not mailed');
  const [late] = await scene.db.select().from(outboxMessages).where(eq(outboxMessages.state, 'cancelled'));
  t.equal(late?.lastError, 'the link expired before it could be sent');

  problem(t, await scene.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'not an address' } }), 400, 'validation_failed', ['/email']);
});

t.test('a disabled account gets no reset link', async (t) => {
  const scene = await mailScene(t);
  const invited = await scene.call('POST', '/accounts', { email: 'gone@unit.example.cn', displayName: '赵六', role: 'organizer', unitIds: [scene.unit.id] });
  await scene.deliver();
  const id = invited.json<{ account: { id: string } }>().account.id;
  t.equal((await scene.call('PATCH', `/accounts/${id}`, { disabled: true })).statusCode, 200);
  t.equal((await scene.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'gone@unit.example.cn' } })).statusCode, 202);
  t.equal((await scene.deliver()).length, 0);
  t.equal((await scene.db.select().from(accountLinks).where(eq(accountLinks.purpose, 'reset'))).length, 0, 'no link made');
});
