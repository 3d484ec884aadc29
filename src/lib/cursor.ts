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

/** Cursors over append-only tables ordered by a bigserial: the last row's number. */
export function decodeSerialCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const value = Number(decodeCursor(cursor, 1)[0]);
  if (!Number.isSafeInteger(value)) throw invalidCursor();
  return value;
}
export const encodeSerialCursor = (value: number) => encodeCursor([String(value)]);
