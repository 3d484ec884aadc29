import t from 'tap';
import { build } from './helpers/build.js';
import { postForm, staffSession, textOf } from './helpers/ui.js';

t.test('admin pages send a visitor without a session to the sign-in page, and back after it', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ url: '/admin/events?x=1' });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/admin/login?next=%2Fadmin%2Fevents%3Fx%3D1');

  const page = await app.inject({ url: res.headers.location as string });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.match(page.body, /<html lang="zh-CN">/);
  t.match(page.body, /<label for="f-email">电子邮箱/);
  t.match(page.body, /name="next" value="\/admin\/events\?x=1"/, 'the page to return to travels with the form');

  const session = await staffSession(app);
  const back = await postForm(app, '/admin/login', { email: session.email, password: 'correct horse battery staple', next: '/admin/events?x=1' });
  t.equal(back.headers.location, '/admin/events?x=1');
  const elsewhere = await postForm(app, '/admin/login', { email: session.email, password: 'correct horse battery staple', next: 'https://evil.example/admin' });
  t.equal(elsewhere.headers.location, '/admin', 'never sent to another site');
});

t.test('a wrong password is said in the reader\'s language, next to nothing secret, and the password is not echoed', async (t) => {
  const { app } = await build(t);
  const { email } = await staffSession(app);
  const wrong = await postForm(app, '/admin/login', { email, password: 'not the password at all' });
  t.equal(wrong.statusCode, 401);
  t.match(textOf(wrong.body), '邮箱或密码不正确');
  t.notMatch(wrong.body, 'not the password at all');
  t.match(wrong.body, new RegExp(`value="${email.replace(/\./g, '\\.')}"`), 'the address is kept in the form');

  const english = await app.inject({ method: 'POST', url: '/admin/login?lang=en', payload: `email=${encodeURIComponent(email)}&password=nope-nope-nope`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.match(textOf(english.body), 'The email or the password is not right');

  const invalid = await postForm(app, '/admin/login', { email: 'not an address', password: 'x' });
  t.equal(invalid.statusCode, 400);
  // The accounts' address rule is a pattern (a looser one than format: email): its code is `pattern`.
  t.match(invalid.body, /<p class="error" id="f-email-error">格式不正确/, 'the API\'s field code becomes a message by the field');
  t.match(invalid.body, /aria-invalid="true" aria-describedby="f-email-error"/);
});

t.test('sign-out ends the session through the API, with the CSRF token of the page', async (t) => {
  const { app } = await build(t);
  const { cookie, csrf } = await staffSession(app);
  const forged = await postForm(app, '/admin/logout', { _csrf: 'forged' }, cookie);
  t.equal(forged.statusCode, 303);
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode, 200, 'a forged sign-out does nothing');
  const out = await postForm(app, '/admin/logout', { _csrf: csrf }, cookie);
  t.equal(out.headers.location, '/admin/login?out=1');
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode, 401, 'the session is over');
});

t.test('the language switch: ?lang=en is remembered in a cookie, and the switch links to the same page', async (t) => {
  const { app } = await build(t);
  const en = await app.inject({ url: '/admin/login?lang=en&next=%2Fadmin' });
  t.match(en.body, /<html lang="en">/);
  t.match(en.body, /href="\/admin\/login\?lang=zh&amp;next=%2Fadmin"/);
  const cookie = en.cookies.find((c) => c.name === 'kepu_lang');
  t.equal(cookie?.value, 'en');
  const next = await app.inject({ url: '/admin/password-reset', headers: { cookie: 'kepu_lang=en' } });
  t.match(textOf(next.body), 'Reset your password');
});

t.test('forgot my password: the same answer for any address; the link page sets it and refuses a used link', async (t) => {
  const { app } = await build(t);
  const sent = await postForm(app, '/admin/password-reset', { email: 'nobody@example.cn' });
  t.equal(sent.statusCode, 200);
  t.match(textOf(sent.body), '如果这个邮箱有账号');

  const page = await app.inject({ url: '/admin/password?secret=abcdefghijklmnop' });
  t.equal(page.headers['referrer-policy'], 'no-referrer');
  const used = await postForm(app, '/admin/password', { secret: 'abcdefghijklmnop', password: 'a long enough password' });
  t.equal(used.statusCode, 410);
  t.match(textOf(used.body), '这个链接无效或已过期');
});
