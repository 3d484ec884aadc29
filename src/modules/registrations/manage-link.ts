import { createHmac } from 'node:crypto';

/**
 * A registrant's private link. Its token is derived from the registration's id and link
 * version with the service's secret key, and only its hash is stored: a copy of the database
 * opens no registration, yet any process holding the key can write the link into a mail
 * long after the sign-up (a reminder, a change notice). Renewing the link raises the version,
 * which retires the old token.
 */
export const MANAGE_TOKEN_PREFIX = 'm_';

export function manageToken(secretKey: string, registrationId: string, version: number): string {
  const mac = createHmac('sha256', secretKey).update(`manage-link:${registrationId}:${version}`).digest('base64url');
  return `${MANAGE_TOKEN_PREFIX}${mac}`;
}

/**
 * The link a registrant keeps: the site's manage page, which is also the confirmation (status,
 * check-in code, change, cancel, erase). The JSON of the same registration stays at
 * /api/v1/registrations/{token} for programs.
 */
export const manageUrl = (baseUrl: string, token: string) => `${baseUrl}/manage/${token}`;
