/** The driver's SQLSTATE and constraint, wherever Drizzle wrapped the error (postgres.js and PGlite name them differently). */
export function databaseError(error: unknown): { code: string; constraint?: string; column?: string } | undefined {
  for (let e: any = error, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
      return { code: e.code, constraint: e.constraint_name ?? e.constraint, column: e.column_name ?? e.column };
    }
  }
  return undefined;
}
