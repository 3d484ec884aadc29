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
  /** An organizer issued a new manage link (the old one stopped working): the new one, to the person. */
  manageLinkRenewed: 'mail.manage_link_renewed',
  /** Staff: an invitation to set a password, and a password reset link. */
  accountInvite: 'mail.account_invite',
  passwordReset: 'mail.password_reset',
} as const;
export type MailKind = (typeof MAIL_KINDS)[keyof typeof MAIL_KINDS];
/** The mails about a registration (to the person or the class's teacher). */
export type RegistrationMailKind = Exclude<MailKind, 'mail.account_invite' | 'mail.password_reset'>;
export const EMAIL_CHANNEL = 'email';

/** A staff account's mail: the account, and its one-time link sealed under SECRET_KEY (lib/seal.ts, purpose ACCOUNT_LINK_SEAL). */
export type AccountMailPayload = { accountId: string; sealedSecret: string; expiresAt: string };
export const ACCOUNT_LINK_SEAL = 'account-link';
export const isAccountMail = (kind: string) => kind === MAIL_KINDS.accountInvite || kind === MAIL_KINDS.passwordReset;

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
