import type { FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { isSignedIn, type SignedIn } from '../modules/accounts/principal.js';
import { isLang, lookup, translator, type Lang, type MessageParams, type Translate } from './i18n/index.js';

export const LANG_COOKIE = 'kepu_lang';

/** What every page needs to know about who is reading it, and in which language. */
export interface View {
  lang: Lang;
  t: Translate;
  /** For keys built from codes the API sends; undefined when the catalogue has none. */
  lookup: (key: string, params?: MessageParams) => string | undefined;
  /** The page's own path and query, for the language switch and "sign in, then come back". */
  path: string;
  /** Set when a staff member is signed in through the session cookie: forms carry it back. */
  csrf: string | null;
  staff: SignedIn | null;
}

/**
 * The language: `?lang=` (which also sets the cookie, so links keep it), else the cookie,
 * else Chinese. Not Accept-Language: a resident's phone set to English still expects the
 * district's Chinese site first, and one switch on every page changes it.
 */
export function langOf(request: FastifyRequest): Lang {
  const asked = (request.query as { lang?: unknown } | undefined)?.lang;
  if (isLang(asked)) return asked;
  const kept = request.cookies[LANG_COOKIE];
  return isLang(kept) ? kept : 'zh';
}

export function viewOf(request: FastifyRequest): View {
  const lang = langOf(request);
  const staff = isSignedIn(request.principal) && request.principal.via === 'session' ? request.principal : null;
  return {
    lang,
    t: translator(lang),
    lookup: (key, params) => lookup(lang, key, params),
    path: request.url,
    csrf: staff ? request.authSession?.csrfToken ?? null : null,
    staff,
  };
}

/** Remembers an explicit `?lang=` for a year, so the next page keeps it. */
export function rememberLang(request: FastifyRequest, reply: FastifyReply) {
  const asked = (request.query as { lang?: unknown } | undefined)?.lang;
  if (isLang(asked) && request.cookies[LANG_COOKIE] !== asked) {
    reply.setCookie(LANG_COOKIE, asked, { path: '/', sameSite: 'lax', maxAge: 365 * 24 * 3600, httpOnly: true });
  }
}

/** The same page in the other language. */
export function switchLangHref(view: View): string {
  const url = new URL(view.path, 'http://x');
  url.searchParams.set('lang', view.lang === 'zh' ? 'en' : 'zh');
  return `${url.pathname}${url.search}`;
}

/** A text kept in both languages: the English one where there is one, else the Chinese. */
export const localized = (view: Pick<View, 'lang'>, zh: string, en: string | null | undefined) => (view.lang === 'en' && en ? en : zh);

/** A time in the event's own zone, as a reader of that language writes it. */
export function formatTime(view: Pick<View, 'lang'>, iso: string, zone: string, format: 'date' | 'datetime' | 'time' = 'datetime'): string {
  const time = DateTime.fromISO(iso, { zone }).setLocale(view.lang === 'zh' ? 'zh-CN' : 'en-GB');
  if (format === 'time') return time.toFormat('HH:mm');
  if (format === 'date') return view.lang === 'zh' ? time.toFormat('yyyy年M月d日 cccc') : time.toFormat('cccc d LLLL yyyy');
  return view.lang === 'zh' ? time.toFormat('yyyy年M月d日 ccc HH:mm') : time.toFormat('ccc d LLL yyyy, HH:mm');
}

/** A session's start and end: "2030年4月22日 周一 09:00–11:00", the end's date only when it differs. */
export function formatRange(view: Pick<View, 'lang'>, startsAt: string, endsAt: string, zone: string): string {
  const start = DateTime.fromISO(startsAt, { zone });
  const end = DateTime.fromISO(endsAt, { zone });
  const sameDay = start.hasSame(end, 'day');
  return `${formatTime(view, startsAt, zone)}–${sameDay ? formatTime(view, endsAt, zone, 'time') : formatTime(view, endsAt, zone)}`;
}
