import { DateTime } from 'luxon';
import { escapeHtml } from '../../lib/html.js';
import type { Language } from '../feeds/language.js';
import { pick } from '../feeds/language.js';
import type { RegistrationMailKind } from './kinds.js';

/** What a mail shows, read when it is sent (so it shows the event as it is then). */
export type MailFacts = {
  kind: RegistrationMailKind;
  language: Language;
  recipientName: string | null;
  registration: {
    kind: 'individual' | 'class'; headcount: number; checkInCode: string; school: string | null; gradeClass: string | null;
    waitlistPosition: number | null;
    /** Confirmed at some point: sent the calendar entry that a cancellation removes. */
    hadSeat: boolean;
  };
  /** The session or the whole event is called off (not only this registration). */
  called: boolean;
  event: { titleZh: string; titleEn: string | null; timezone: string; publicUrl: string };
  session: { startsAt: string; endsAt: string; streamUrl: string | null };
  venue: { nameZh: string; nameEn: string | null; addressZh: string | null; addressEn: string | null; isOnline: boolean } | null;
  manageUrl: string | null;
  /** Reminders: how long before the start. */
  offsetMinutes?: number;
};

export type RenderedMail = { subject: string; text: string; html: string };

/** Header text: no line breaks or other control characters (nodemailer encodes the rest). */
export const headerSafe = (text: string) => text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);


/**
 * Formatting with luxon's locales costs most of a mail's rendering, and a batch's mails
 * mostly share a few sessions: the last few hundred answers are kept.
 */
const formatted = new Map<string, string>();

/** "2024年3月22日（周五）09:30–11:30" or "Fri 22 Mar 2024, 09:30–11:30", with the end's date when it ends on another day. */
export function sessionTime(language: Language, session: { startsAt: string; endsAt: string }, zone: string): string {
  const key = `${language}|${zone}|${session.startsAt}|${session.endsAt}`;
  let text = formatted.get(key);
  if (text === undefined) {
    text = formatSessionTime(language, session, zone);
    if (formatted.size >= 500) formatted.delete(formatted.keys().next().value!);
    formatted.set(key, text);
  }
  return text;
}

function formatSessionTime(language: Language, session: { startsAt: string; endsAt: string }, zone: string): string {
  const start = DateTime.fromISO(session.startsAt, { zone });
  const end = DateTime.fromISO(session.endsAt, { zone });
  const sameDay = start.hasSame(end, 'day');
  if (language === 'zh') {
    const day = (d: DateTime) => `${d.toFormat('yyyy年M月d日')}（${d.setLocale('zh-CN').toFormat('ccc')}）`;
    return `${day(start)}${start.toFormat('HH:mm')}–${sameDay ? '' : day(end)}${end.toFormat('HH:mm')}`;
  }
  const day = (d: DateTime) => d.setLocale('en-GB').toFormat('ccc d LLL yyyy');
  return `${day(start)}, ${start.toFormat('HH:mm')}–${sameDay ? '' : `${day(end)}, `}${end.toFormat('HH:mm')}`;
}

const duration = (language: Language, minutes: number) => {
  const hours = minutes / 60;
  if (Number.isInteger(hours / 24)) return language === 'zh' ? `${hours / 24}天` : `${hours / 24} day${hours === 24 ? '' : 's'}`;
  if (Number.isInteger(hours)) return language === 'zh' ? `${hours}小时` : `${hours} hour${hours === 1 ? '' : 's'}`;
  return language === 'zh' ? `${minutes}分钟` : `${minutes} minutes`;
};

type Line = { label: string; value: string; href?: string };

/** The mail of one kind: a subject, a greeting, what happened, the details, what to do next. */
export function renderMail(facts: MailFacts): RenderedMail {
  const { language: lang, registration: reg } = facts;
  const zh = lang === 'zh';
  const title = headerSafe(pick(lang, facts.event.titleZh, facts.event.titleEn));
  const when = sessionTime(lang, facts.session, facts.event.timezone);
  const name = facts.recipientName ? headerSafe(facts.recipientName) : null;
  const greeting = zh ? `${name ? `${name}，` : ''}您好：` : `Dear ${name ?? 'participant'},`;
  const who = reg.kind === 'class'
    ? (zh ? `${reg.school ?? ''}${reg.gradeClass ?? ''}，${reg.headcount}人` : `${reg.school ?? ''} ${reg.gradeClass ?? ''}, ${reg.headcount} pupils`.trim())
    : (zh ? `${reg.headcount}人` : `${reg.headcount} ${reg.headcount === 1 ? 'person' : 'people'}`);

  const [subject, lead]: [string, string] = (() => {
    switch (facts.kind) {
      case 'mail.confirmed': return zh
        ? [`报名成功：${title}`, `您已成功报名“${title}”。请在入场时出示签到码。`]
        : [`You are registered: ${title}`, `Your registration for "${title}" is confirmed. Show the check-in code at the entrance.`];
      case 'mail.waitlisted': return zh
        ? [`已进入候补名单：${title}`, `“${title}”本场已满，您已进入候补名单${reg.waitlistPosition ? `（第${reg.waitlistPosition}位）` : ''}。有名额空出时我们会自动为您递补，并再次发邮件通知您。`]
        : [`On the waiting list: ${title}`, `"${title}" is full; you are on the waiting list${reg.waitlistPosition ? ` (number ${reg.waitlistPosition})` : ''}. If a place frees up you are moved in automatically, and we will write to you again.`];
      case 'mail.promoted': return zh
        ? [`候补成功，报名已确认：${title}`, `有名额空出，您已从候补名单递补，“${title}”的报名现已确认。`]
        : [`A place for you: ${title}`, `A place has freed up: you have been moved from the waiting list and your registration for "${title}" is now confirmed.`];
      case 'mail.reminder': return zh
        ? [`活动提醒：${title}`, `“${title}”将于${duration(lang, facts.offsetMinutes ?? 0)}后开始，欢迎准时参加。`]
        : [`Reminder: ${title}`, `"${title}" starts in ${duration(lang, facts.offsetMinutes ?? 0)}. We look forward to seeing you.`];
      case 'mail.changed': return zh
        ? [`活动信息变更：${title}`, `您报名的“${title}”有变更，以下为最新信息。附件中的日历已同步更新。`]
        : [`Changed: ${title}`, `Details of "${title}", which you registered for, have changed. The new details are below; the attached calendar entry updates yours.`];
      case 'mail.cancelled_by_organizer': {
        const calendarLine = reg.hadSeat ? (zh ? '附件可将其从您的日历中移除。' : ' The attachment removes it from your calendar.') : '';
        if (facts.called) {
          return zh
            ? [`活动取消通知：${title}`, reg.hadSeat ? `很抱歉，主办方已取消您报名的“${title}”（本场）。${calendarLine}` : `很抱歉，主办方已取消“${title}”（本场），您在候补名单上的登记也随之取消。`]
            : [`Cancelled: ${title}`, reg.hadSeat ? `We are sorry: the organizers have cancelled "${title}" (this session) that you registered for.${calendarLine}` : `We are sorry: the organizers have cancelled "${title}" (this session), and with it your place on its waiting list.`];
        }
        return zh
          ? [`您的报名已被取消：${title}`, reg.hadSeat ? `主办方已取消您对“${title}”（本场）的报名。${calendarLine}如有疑问，请联系主办方。` : `主办方已将您从“${title}”（本场）的候补名单中移除。如有疑问，请联系主办方。`]
          : [`Registration cancelled: ${title}`, reg.hadSeat ? `The organizers have cancelled your registration for "${title}" (this session).${calendarLine} If this surprises you, please contact them.` : `The organizers have taken you off the waiting list for "${title}" (this session). If this surprises you, please contact them.`];
      }
      case 'mail.manage_link': return zh
        ? [`您的报名管理链接：${title}`, `有人（可能是您本人）请求重新发送“${title}”的报名管理链接。如非本人操作，请忽略此邮件。`]
        : [`Your registration link: ${title}`, `Someone (probably you) asked us to send the link of your registration for "${title}" again. If it was not you, ignore this mail.`];
      case 'mail.manage_link_renewed': return zh
        ? [`您的报名管理链接已更换：${title}`, `主办方为您更换了“${title}”的报名管理链接，旧链接已失效。请使用下方的新链接。`]
        : [`A new link for your registration: ${title}`, `The organizers have issued a new link for your registration for "${title}"; the old one no longer works. Use the link below.`];
      case 'mail.cancelled_by_registrant': return zh
        ? [`已取消报名：${title}`, `您已取消“${title}”的报名。欢迎关注其他科普活动。`]
        : [`Registration cancelled: ${title}`, `You have cancelled your registration for "${title}". We hope to see you at another event.`];
    }
  })();

  const venue = facts.venue;
  const lines: Line[] = [
    { label: zh ? '活动' : 'Event', value: title, href: facts.event.publicUrl },
    { label: zh ? '时间' : 'When', value: `${when} (${facts.event.timezone})` },
    ...(venue ? [{ label: zh ? '地点' : 'Where', value: [pick(lang, venue.nameZh, venue.nameEn), pick(lang, venue.addressZh ?? '', venue.addressEn)].filter(Boolean).join(zh ? '，' : ', ') }] : []),
    ...(facts.session.streamUrl && facts.kind !== 'mail.cancelled_by_organizer' && facts.kind !== 'mail.cancelled_by_registrant' && facts.kind !== 'mail.waitlisted'
      ? [{ label: zh ? '线上观看' : 'Watch online', value: facts.session.streamUrl, href: facts.session.streamUrl }] : []),
    { label: zh ? '人数' : 'Registered', value: who },
    ...(['mail.confirmed', 'mail.promoted', 'mail.reminder', 'mail.changed'].includes(facts.kind) || (facts.kind === 'mail.manage_link' && reg.waitlistPosition === null)
      ? [{ label: zh ? '签到码' : 'Check-in code', value: reg.checkInCode }] : []),
  ];
  const cancelled = facts.kind === 'mail.cancelled_by_organizer' || facts.kind === 'mail.cancelled_by_registrant';
  const manage = facts.manageUrl ? {
    text: cancelled ? (zh ? '查看报名记录或删除您的个人信息：' : 'See the registration, or erase your personal data:')
      : (zh ? '查看、修改人数或取消报名：' : 'See, change or cancel your registration:'),
    url: facts.manageUrl,
  } : null;
  const footer = zh
    ? '此邮件由科普日历自动发送，请勿直接回复。请勿转发：管理链接仅供您本人使用。'
    : 'Sent automatically by Kepu Calendar; replies are not read. Do not forward it: the manage link is yours alone.';

  const text = [
    greeting, '', lead, '',
    ...lines.map((l) => `${l.label}: ${l.value}${l.href && l.href !== l.value ? `\n  ${l.href}` : ''}`),
    ...(manage ? ['', manage.text, manage.url] : []),
    '', '--', footer, '',
  ].join('\n');

  const link = (href: string, label: string) => `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`;
  const html = `<!doctype html>
<html lang="${zh ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:sans-serif;font-size:18px;line-height:1.6;color:#111;max-width:40em">
<p>${escapeHtml(greeting)}</p>
<p>${escapeHtml(lead)}</p>
<table style="border-collapse:collapse">
${lines.map((l) => `<tr><th style="text-align:left;padding:4px 12px 4px 0;vertical-align:top">${escapeHtml(l.label)}</th><td style="padding:4px 0">${
    l.label === (zh ? '签到码' : 'Check-in code') ? `<strong style="font-size:24px;letter-spacing:2px">${escapeHtml(l.value)}</strong>`
      : l.href ? link(l.href, l.value) : escapeHtml(l.value)}</td></tr>`).join('\n')}
</table>
${manage ? `<p>${escapeHtml(manage.text)}<br>${link(manage.url, manage.url)}</p>` : ''}
<p style="color:#444;font-size:14px">${escapeHtml(footer)}</p>
</body></html>
`;
  return { subject: headerSafe(subject), text, html };
}

/** Staff mails, in Chinese with English below (an account has no language of its own). */
export function renderAccountMail({ kind, name, url, expiresAt, zone }: { kind: 'mail.account_invite' | 'mail.password_reset'; name: string; url: string; expiresAt: string; zone: string }): RenderedMail {
  const until = DateTime.fromISO(expiresAt, { zone }).toFormat('yyyy-MM-dd HH:mm');
  const who = headerSafe(name);
  const [subject, zh, en] = kind === 'mail.account_invite'
    ? ['科普日历账号邀请 · Your Kepu Calendar account',
      `${who}，您好：\n\n管理员为您开通了科普日历的账号。请在 ${until}（${zone}）前打开以下链接设置密码：`,
      `Dear ${who},\n\nAn administrator has opened a Kepu Calendar account for you. Set your password with this link before ${until} (${zone}):`]
    : ['科普日历密码重置 · Reset your Kepu Calendar password',
      `${who}，您好：\n\n有人（可能是您本人）请求重置您的科普日历密码。请在 ${until}（${zone}）前打开以下链接设置新密码；如非本人操作，请忽略此邮件，原密码仍然有效：`,
      `Dear ${who},\n\nSomeone (probably you) asked to reset your Kepu Calendar password. Set a new one with this link before ${until} (${zone}); if it was not you, ignore this mail and your password stays as it is:`];
  const footer = '此链接只能使用一次，请勿转发。 · The link works once; do not forward it.';
  const text = `${zh}\n${url}\n\n${en}\n${url}\n\n--\n${footer}\n`;
  const paragraphs = (block: string) => block.split('\n\n').map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const html = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:sans-serif;font-size:18px;line-height:1.6;color:#111;max-width:40em">
${paragraphs(zh)}
<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>
<div lang="en">${paragraphs(en)}</div>
<p style="color:#444;font-size:14px">${escapeHtml(footer)}</p>
</body></html>
`;
  return { subject, text, html };
}
