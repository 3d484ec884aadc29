import nodemailer from 'nodemailer';

export type OutgoingMail = {
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  /** A stable Message-ID: a mail sent again after a crash carries the same one, so mail clients can tell. */
  messageId: string;
  /** The calendar part: nodemailer adds it both as text/calendar alternative and as an .ics attachment. */
  calendar?: { method: 'REQUEST' | 'CANCEL'; content: string };
  headers?: Record<string, string>;
};

export type MailTransport = { send(mail: OutgoingMail): Promise<void>; close(): void };

/**
 * nodemailer over SMTP with a pool of connections (a batch's mails go out side by side).
 * `url` is SMTP_URL: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465.
 */
export function createMailTransport({ url, from, maxConnections = 5 }: { url: string; from: string; maxConnections?: number }): MailTransport {
  const transporter = nodemailer.createTransport({
    url, pool: true, maxConnections, maxMessages: 1000,
    // A mail server that hangs must not hold a batch for minutes: the attempt fails and is retried.
    connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000,
  }, { from });
  return {
    async send(mail) {
      await transporter.sendMail({
        to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId,
        headers: { 'Auto-Submitted': 'auto-generated', ...mail.headers },
        ...(mail.calendar ? { icalEvent: { method: mail.calendar.method, filename: 'invite.ics', content: mail.calendar.content } } : {}),
      });
    },
    close() { transporter.close(); },
  };
}
