import type { ComponentChildren } from 'preact';
import { switchLangHref, type View } from './view.js';

type Props = { view: View; title: string; children: ComponentChildren; admin?: boolean; scripts?: string[] };

/** The frame of every page: language, skip link, header with the language switch, main, footer. */
export function Layout({ view, title, children, admin = false, scripts = [] }: Props) {
  const { t } = view;
  return (
    <html lang={view.lang === 'zh' ? 'zh-CN' : 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${t('site.name')}`}</title>
        <link rel="stylesheet" href="/assets/site.css" />
        {scripts.map((src) => <script src={src} defer />)}
      </head>
      <body class={admin ? 'admin' : 'public'}>
        <a class="skip" href="#main">{t('nav.skip')}</a>
        <header class="masthead">
          <a class="brand" href={admin ? '/admin' : '/'}>{t('site.name')}</a>
          <nav aria-label={t('nav.main')}>
            <ul>
              {admin ? <AdminNav view={view} /> : <PublicNav view={view} />}
              <li><a href={switchLangHref(view)} lang={view.lang === 'zh' ? 'en' : 'zh-CN'} aria-label={t('lang.switchLabel')} data-testid="lang-switch">{t('lang.switch')}</a></li>
            </ul>
          </nav>
        </header>
        <main id="main" tabIndex={-1}>{children}</main>
        <footer class="foot">
          <p>{t('site.tagline')} · <a href="/feeds/events.ics">{t('footer.feeds')}</a> · <a href="/docs">{t('footer.api')}</a></p>
        </footer>
      </body>
    </html>
  );
}

function PublicNav({ view }: { view: View }) {
  const { t } = view;
  return (
    <>
      <li><a href="/">{t('nav.home')}</a></li>
      <li><a href="/observances">{t('nav.observances')}</a></li>
      <li><a href="/admin">{t('nav.admin')}</a></li>
    </>
  );
}

/** The admin sections; each page module adds its own links here as it lands. */
export const ADMIN_SECTIONS: { href: string; key: Parameters<View['t']>[0]; for?: 'admins' | 'organizers' }[] = [
  { href: '/admin', key: 'admin.nav.dashboard' },
  { href: '/admin/events', key: 'admin.nav.events' },
  { href: '/admin/venues', key: 'admin.nav.venues' },
  { href: '/admin/observances', key: 'admin.nav.observances' },
  { href: '/admin/campaigns', key: 'admin.nav.campaigns' },
  { href: '/admin/mail', key: 'admin.nav.mail', for: 'organizers' },
  { href: '/admin/webhooks', key: 'admin.nav.webhooks', for: 'organizers' },
  { href: '/admin/reports', key: 'admin.nav.reports', for: 'organizers' },
  { href: '/admin/units', key: 'admin.nav.units', for: 'admins' },
  { href: '/admin/accounts', key: 'admin.nav.accounts', for: 'admins' },
  { href: '/admin/audit', key: 'admin.nav.audit', for: 'admins' },
  { href: '/admin/tokens', key: 'admin.nav.tokens' },
];

/** Admins see every section; organizers all but the admins' ones; checkers neither kind. */
const shows = (role: string, section: (typeof ADMIN_SECTIONS)[number]) =>
  section.for === undefined || role === 'admin' || (section.for === 'organizers' && role === 'organizer');

function AdminNav({ view }: { view: View }) {
  const { t } = view;
  if (!view.staff) return <li><a href="/">{t('nav.home')}</a></li>;
  return (
    <>
      {ADMIN_SECTIONS.filter((s) => shows(view.staff!.role, s)).map((s) => <li><a href={s.href}>{t(s.key)}</a></li>)}
      <li>
        <form method="post" action="/admin/logout" class="inline">
          <input type="hidden" name="_csrf" value={view.csrf ?? ''} />
          <button type="submit" class="link">{t('admin.nav.logout')}</button>
        </form>
      </li>
    </>
  );
}
