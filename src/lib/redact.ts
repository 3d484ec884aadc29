/**
 * Manage tokens travel in URLs (`/api/v1/registrations/m_…`, the site's `/manage/m_…`), and
 * so do the one-time links of staff mail (`/admin/password?secret=…`); whoever reads logs or
 * error pages must not get them. Nor the registration searches of staff (a registrant's name).
 */
export const redactSecrets = (url: string) => url
  .replace(/\/(registrations|manage)\/m_[A-Za-z0-9_-]+/g, '/$1/[redacted]')
  .replace(/([?&]secret=)[^&#]*/g, '$1[redacted]')
  // Staff search registrations by a name or a phone number: such searches are personal data.
  .replace(/^((?:\/admin\/|\/api\/v1\/events\/[^/?#]+\/registrations)[^?#]*\?(?:[^#]*&)?q=)[^&#]*/, '$1[redacted]');
