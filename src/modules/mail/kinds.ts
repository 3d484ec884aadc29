/** The mails the service sends, as outbox kinds; all go through the `email` channel. */
export const MAIL_KINDS = {
  confirmed: 'mail.confirmed',
  waitlisted: 'mail.waitlisted',
  promoted: 'mail.promoted',
  reminder: 'mail.reminder',
  changed: 'mail.changed',
  cancelledByOrganizer: 'mail.cancelled_by_organizer',
  cancelledByRegistrant: 'mail.cancelled_by_registrant',
  /** "Send my link again": the manage link, asked for by someone who lost it. */
  manageLink: 'mail.manage_link',
} as const;
export type MailKind = (typeof MAIL_KINDS)[keyof typeof MAIL_KINDS];
export const ALL_MAIL_KINDS: MailKind[] = Object.values(MAIL_KINDS);
export const EMAIL_CHANNEL = 'email';

/** What every mail's payload names: nothing personal, so the outbox table holds no personal data. */
export type MailPayload = {
  registrationId: string;
  sessionId: string;
  /** The session's calendar sequence when planned (confirmations and change notices). */
  sequence?: number;
  /** Reminders: the start they were planned for, and how long before it. */
  startsAt?: string;
  offsetMinutes?: number;
};
