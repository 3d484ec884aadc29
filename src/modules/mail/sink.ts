import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { escapeHtml } from '../../lib/html.js';

/**
 * The demo's outgoing mail, caught: a real SMTP server (smtp-server) on 127.0.0.1 that the
 * service sends to through nodemailer exactly as it would to a real one, and a small page
 * on 127.0.0.1 to read what arrived (parsed by mailparser). It keeps the latest `keep` mails
 * in memory. Only for the demo, and only on loopback: the mails hold the demo's names and links.
 */

export type CaughtMail = {
  id: number;
  receivedAt: Date;
  envelope: { from: string; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
};

export type MailSink = {
  smtpPort: number;
  /** The page's address, when a web port was asked for. */
  webUrl: string | null;
  mails(): CaughtMail[];
  close(): Promise<void>;
};


export async function startMailSink({ smtpPort = 0, webPort, host = '127.0.0.1', keep = 500 }: { smtpPort?: number; webPort?: number; host?: string; keep?: number } = {}): Promise<MailSink> {
  const caught: CaughtMail[] = [];
  let nextId = 1;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'], // loopback only; nodemailer sends in the clear when it is not offered
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then((parsed) => {
          caught.push({
            id: nextId++, receivedAt: new Date(), raw, parsed,
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
          });
          if (caught.length > keep) caught.splice(0, caught.length - keep);
          callback();
        }, (error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(smtpPort, host, () => { smtp.off('error', reject); resolve(); });
  });
  // smtp-server reports a client's dropped connection (a worker killed mid-send: ECONNRESET)
  // as an 'error' on the server; unheard, it would take the whole process down with it.
  smtp.on('error', () => {});
  const boundSmtp = (smtp.server.address() as AddressInfo).port;

  let web: Server | null = null;
  let webUrl: string | null = null;
  if (webPort !== undefined) {
    web = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://sink');
      const found = /^\/mails\/(\d+)(\.eml|\/html|\/calendar\.ics)?$/.exec(url.pathname);
      const mail = found ? caught.find((m) => m.id === Number(found[1])) : undefined;
      const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra });
        response.end(body);
      };
      if (url.pathname === '/') return send(200, 'text/html; charset=utf-8', listPage(caught));
      if (url.pathname === '/mails.json') {
        return send(200, 'application/json', JSON.stringify(caught.map((m) => ({ id: m.id, receivedAt: m.receivedAt, to: m.envelope.to, subject: m.parsed.subject ?? '' }))));
      }
      if (!mail) return send(404, 'text/plain; charset=utf-8', 'No such mail (only the latest are kept).');
      if (found![2] === '.eml') return send(200, 'message/rfc822', mail.raw);
      // The mail's own HTML, shown in a sandboxed frame: no scripts, no requests out.
      if (found![2] === '/html') return send(200, 'text/html; charset=utf-8', typeof mail.parsed.html === 'string' ? mail.parsed.html : '', { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox" });
      if (found![2] === '/calendar.ics') {
        const calendar = mail.parsed.attachments.find((a) => a.contentType.startsWith('text/calendar') || a.contentType === 'application/ics');
        return calendar ? send(200, 'text/calendar; charset=utf-8', calendar.content) : send(404, 'text/plain; charset=utf-8', 'This mail has no calendar attachment.');
      }
      return send(200, 'text/html; charset=utf-8', mailPage(mail), { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'" });
    });
    await new Promise<void>((resolve, reject) => {
      web!.once('error', reject);
      web!.listen(webPort, host, () => { web!.off('error', reject); resolve(); });
    });
    webUrl = `http://${host}:${(web.address() as AddressInfo).port}/`;
  }

  return {
    smtpPort: boundSmtp,
    webUrl,
    mails: () => [...caught],
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      if (web) await new Promise<void>((resolve) => web!.close(() => resolve()));
    },
  };
}

function page(title: string, body: string) {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;font-size:18px;margin:1em auto;max-width:60em;padding:0 1em;color:#111}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:6px;border-bottom:1px solid #ccc;vertical-align:top}
a{color:#0645ad}pre{white-space:pre-wrap;background:#f4f4f4;padding:1em}iframe{width:100%;height:32em;border:1px solid #ccc}</style></head>
<body>${body}</body></html>`;
}

function listPage(mails: CaughtMail[]) {
  const rows = [...mails].reverse().map((m) => `<tr><td>${m.receivedAt.toISOString().replace('T', ' ').slice(0, 19)}</td>
<td>${escapeHtml(m.envelope.to.join(', '))}</td><td><a href="/mails/${m.id}">${escapeHtml(m.parsed.subject ?? '(no subject)')}</a></td></tr>`).join('\n');
  return page('Demo mailbox · 演示邮箱', `<h1>演示邮箱 · Demo mailbox</h1>
<p>Every mail the demo sent (the latest ${mails.length}), newest first. Reload to see new ones.</p>
<table><thead><tr><th>Received (UTC)</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows || '<tr><td colspan="3">No mail yet: sign up for an event.</td></tr>'}</tbody></table>`);
}

function mailPage(mail: CaughtMail) {
  const calendar = mail.parsed.attachments.some((a) => a.contentType.startsWith('text/calendar') || a.contentType === 'application/ics');
  return page(mail.parsed.subject ?? 'Mail', `<p><a href="/">← all mail</a></p>
<h1>${escapeHtml(mail.parsed.subject ?? '(no subject)')}</h1>
<table><tr><th>From</th><td>${escapeHtml(mail.parsed.from?.text ?? '')}</td></tr>
<tr><th>To</th><td>${escapeHtml(mail.envelope.to.join(', '))}</td></tr>
<tr><th>Date</th><td>${escapeHtml(mail.parsed.date?.toISOString() ?? '')}</td></tr>
<tr><th>Files</th><td><a href="/mails/${mail.id}.eml">message.eml</a>${calendar ? ` · <a href="/mails/${mail.id}/calendar.ics">invite.ics</a>` : ''}</td></tr></table>
<h2>HTML</h2><iframe sandbox src="/mails/${mail.id}/html" title="HTML part"></iframe>
<h2>Text</h2><pre>${escapeHtml(mail.parsed.text ?? '')}</pre>`);
}
