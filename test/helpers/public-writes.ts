/**
 * The only routes that change something without an account, each for a reason:
 * signing in, asking for a password reset by mail (it goes only to the account's address),
 * setting a password from an emailed link, a resident's sign-up, asking for
 * one's manage link by mail again (it goes only to the address on file), and the
 * registrant's own manage link (the token in the path is the credential).
 */
export const PUBLIC_WRITES = new Set([
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/password-link',
  'POST /api/v1/auth/password-reset',
  'POST /api/v1/events/:id/registrations',
  'POST /api/v1/events/:id/registrations/send-link',
  'PATCH /api/v1/registrations/:token',
  'POST /api/v1/registrations/:token/cancel',
  'DELETE /api/v1/registrations/:token',
]);
