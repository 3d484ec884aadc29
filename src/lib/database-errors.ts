/** Failures of reaching the database (the driver's and the network's codes), not of a statement. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);

/**
 * Whether an error means the database is away or overloaded rather than the request wrong:
 * no connection, a connection lost (SQLSTATE class 08), the server shutting down or starting
 * (57P01–57P03), or a statement cancelled by the statement timeout (57014). Such a request
 * gets 503 with Retry-After; nothing it began was committed.
 */
export function databaseUnavailable(error: unknown): boolean {
  for (let e: any = error, depth = 0; e && depth < 4; e = e.cause, depth++) {
    const code: unknown = e.code;
    if (typeof code !== 'string') continue;
    if (UNREACHABLE.has(code) || code.startsWith('08') || ['57P01', '57P02', '57P03', '57014'].includes(code)) return true;
  }
  return false;
}

/** The driver's SQLSTATE and constraint, wherever Drizzle wrapped the error (postgres.js and PGlite name them differently). */
export function databaseError(error: unknown): { code: string; constraint?: string; column?: string } | undefined {
  for (let e: any = error, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
      return { code: e.code, constraint: e.constraint_name ?? e.constraint, column: e.column_name ?? e.column };
    }
  }
  return undefined;
}
