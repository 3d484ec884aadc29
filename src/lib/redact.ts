/** Manage tokens travel in URLs (`/registrations/m_…`); whoever reads logs or error pages must not get them. */
export const redactSecrets = (url: string) => url.replace(/\/registrations\/m_[A-Za-z0-9_-]+/g, '/registrations/[redacted]');
