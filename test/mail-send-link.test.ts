import t from 'tap';
import { and, eq } from 'drizzle-orm';
import { outboxMessages } from '../src/db/schema/index.js';
import { mailScene } from './helpers/mail.js';
import { problem } from './helpers/problem.js';

/**
 * "Send my link again": someone who lost their manage link asks for it by the address they
 * signed up with, and gets it by mail; the answer never tells whether anyone is registered.
 */

t.test('the manage link is mailed again to the address on file, and works', async (t) => {
  const scene = await mailScene(t);
  const event = await scene.publishedEvent();
  const body = { kind: 'individual', name: 'Li Lei', email: 'Li.Lei@Example.org', partySize: 2, language: 'en', consentVersion: scene.consentVersion };
  const signedUp = await scene.call('POST', `/events/${event.id}/registrations`, body, {});
  t.equal(signedUp.statusCode, 201);
  const { manageUrl, registration } = signedUp.json<{ manageUrl: string; registration: { id: string; checkInCode: string } }>();
  t.equal((await scene.deliver()).length, 1, 'the confirmation');

  const again = await scene.call('POST', `/events/${event.id}/registrations`, body, {});
  const refused = problem(t, again, 409, 'already_registered', ['/email']);
  t.same(refused.sendLink, { method: 'POST', href: `/api/v1/events/${event.id}/registrations/send-link`, body: { email: 'the address given at sign-up' } }, 'the refusal offers to send the link again');

  const asked = await scene.call('POST', `/events/${event.id}/registrations/send-link`, { email: 'LI.Lei@EXAMPLE.org' }, {});
  t.equal(asked.statusCode, 202);
  const [mail, ...more] = await scene.deliver();
  t.equal(more.length, 0, 'one mail');
  t.same(mail!.envelope.to, ['li.lei@example.org'], 'to the address on file');
  t.equal(mail!.parsed.headers.get('x-kepu-mail-kind'), 'mail.manage_link');
  t.match(mail!.parsed.subject, /^Your registration link: Earth Day lecture/);
  t.ok(mail!.parsed.text!.includes(manageUrl), 'the same link as at sign-up (it was not renewed)');
  t.ok(mail!.parsed.text!.includes(registration.checkInCode), 'with the check-in code');
  const opened = await scene.app.inject({ url: new URL(manageUrl).pathname });
  t.equal(opened.statusCode, 200);
  t.ok(opened.body.includes(registration.checkInCode), 'the mailed link opens the registration\'s page, with its check-in code');

  const twice = await scene.call('POST', `/events/${event.id}/registrations/send-link`, { email: 'li.lei@example.org' }, {});
  t.equal(twice.statusCode, 202);
  t.equal((await scene.deliver()).length, 1, 'asked twice, sent twice');
});

t.test('the answer is the same whether or not anyone registered with the address; nothing goes to strangers', async (t) => {
  const scene = await mailScene(t);
  const event = await scene.publishedEvent();
  const nobody = await scene.call('POST', `/events/${event.id}/registrations/send-link`, { email: 'nobody@example.org' }, {});
  t.equal(nobody.statusCode, 202);
  t.same(nobody.json(), { detail: 'If a registration for this event was made with this address, its link is on its way there.' });
  t.equal((await scene.db.select().from(outboxMessages)).length, 0, 'nothing planned');
  t.equal((await scene.deliver()).length, 0);

  const cancelled = await scene.call('POST', `/events/${event.id}/registrations`, { kind: 'individual', name: 'Han', email: 'han@example.org', partySize: 1, consentVersion: scene.consentVersion }, {});
  const token = cancelled.json<{ manageToken: string }>().manageToken;
  t.equal((await scene.app.inject({ method: 'POST', url: `/api/v1/registrations/${token}/cancel` })).statusCode, 200);
  await scene.deliver();
  const forCancelled = await scene.call('POST', `/events/${event.id}/registrations/send-link`, { email: 'han@example.org' }, {});
  t.equal(forCancelled.statusCode, 202, 'the same answer for a cancelled registration');
  t.equal((await scene.deliver()).length, 0, 'and no link for it');
  const planned = await scene.db.select().from(outboxMessages).where(and(eq(outboxMessages.kind, 'mail.manage_link')));
  t.equal(planned.length, 0);

  problem(t, await scene.call('POST', `/events/${event.id}/registrations/send-link`, { email: 'not an address' }, {}), 400, 'validation_failed', ['/email']);
  problem(t, await scene.call('POST', '/events/00000000-0000-4000-8000-000000000000/registrations/send-link', { email: 'a@example.org' }, {}), 404, 'event_not_found');
});

t.test('a class teacher gets the link at the teacher\'s address', async (t) => {
  const scene = await mailScene(t);
  const event = await scene.publishedEvent();
  const res = await scene.call('POST', `/events/${event.id}/registrations`, {
    kind: 'class', school: '实验小学', gradeClass: '四年级2班', headcount: 30, teacherName: '王老师', teacherEmail: 'wang@school.cn', consentVersion: scene.consentVersion,
  }, {});
  t.equal(res.statusCode, 201);
  await scene.deliver();
  t.equal((await scene.call('POST', `/events/${event.id}/registrations/send-link`, { email: 'wang@school.cn' }, {})).statusCode, 202);
  const [mail] = await scene.deliver();
  t.same(mail?.envelope.to, ['wang@school.cn']);
  t.match(mail?.parsed.subject, /^您的报名管理链接：地球日科普讲座/);
  t.ok(mail?.parsed.text?.includes(res.json<{ manageUrl: string }>().manageUrl));
});
