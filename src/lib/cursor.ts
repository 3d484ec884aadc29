import { Problem } from './problems.js';

/** Keyset cursors: the sort key of the last row, opaque to clients. */
export function encodeCursor(key: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, length: number): (string | null)[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === length && key.every((k) => k === null || typeof k === 'string')) return key;
  } catch {
    // fall through: any undecodable cursor gets the same answer
  }
  throw invalidCursor();
}

/** For a cursor that decodes but holds a key this API would never have given out. */
export const invalidCursor = () => new Problem(400, 'invalid_cursor', 'The cursor is not one this API gave out.', {
  errors: [{ in: 'querystring', pointer: '/cursor', detail: 'is not a valid cursor' }],
});
