/**
 * Positions in the change log and their cursors. A change's position is (commit number, ordinal within its
 * transaction): commit numbers follow commit order (change-log.ts), so positions only ever grow and a reader
 * that resumes after a position misses nothing. A cursor is the position, opaque to clients.
 */
import { badInput } from '../graphql/errors';

export interface Position {
  /** change_commit.seq: a bigint in the database; cursors carry up to 15 digits (10^15 commits), exact as JS numbers. */
  seq: number;
  ordinal: number;
}

/** Before the first change: the start of the log. */
export const START: Position = { seq: 0, ordinal: 0 };

const PREFIX = 'fyh1:';

/** The opaque cursor of a position. */
export function encodeCursor(position: Position): string {
  return Buffer.from(`${PREFIX}${position.seq}:${position.ordinal}`, 'utf8').toString('base64url');
}

/** The position a cursor names; BAD_USER_INPUT naming `field` when it is not a cursor of the change log. */
export function decodeCursor(cursor: string, field = 'after'): Position {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^fyh1:(0|[1-9]\d{0,14}):(0|[1-9]\d{0,9})$/.exec(text);
  if (!match || Buffer.from(text, 'utf8').toString('base64url') !== cursor) {
    throw badInput(`${field} is not a cursor of the change log`, { field, rule: 'cursor' });
  }
  return { seq: Number(match[1]), ordinal: Number(match[2]) };
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function comparePositions(a: Position, b: Position): number {
  return a.seq !== b.seq ? a.seq - b.seq : a.ordinal - b.ordinal;
}
