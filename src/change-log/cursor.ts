/**
 * Positions in the change log and their cursors (DESIGN.md invariant 5: resume by cursor). A change's position is
 * (commit number, ordinal within its transaction): commit numbers follow commit order (change-log.ts), so positions
 * only ever grow and a reader that resumes after a position misses nothing.
 *
 * A cursor is the position sealed with the hub's cursor key (kept in the database, table hub_secret, so every
 * instance and every restart seals alike): deterministic authenticated encryption in the manner of SIV — the IV is
 * HMAC-SHA-256 of the position under the authentication key, the position is encrypted with AES-256-CTR under that
 * IV, and the IV is the tag a decoder recomputes. The same position always gives the same cursor (clients may
 * compare them for equality), a cursor shows nothing of the commit number, and any change to one is refused.
 * Cursors of the clear form the hub issued before (`fyh1:seq:ordinal`) are still read, up to the head of the log
 * at the upgrade: beyond it the hub never issued one, so a forged one cannot probe positions after it.
 */
import { createCipheriv, createHmac, createSecretKey, timingSafeEqual, type Cipher, type KeyObject } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ConfigError } from '../config';
import { badInput } from '../errors';

export interface Position {
  /** change_commit.seq: a bigint in the database; cursors carry at most 2^53 - 1, exact as JS numbers. */
  seq: number;
  /** change_event.ordinal, an int. */
  ordinal: number;
}

/** Before the first change: the start of the log. */
export const START: Position = { seq: 0, ordinal: 0 };

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function comparePositions(a: Position, b: Position): number {
  return a.seq !== b.seq ? a.seq - b.seq : a.ordinal - b.ordinal;
}

/** hub_secret rows: the cursor key, and the last commit number of the log when cursors began to be sealed. */
export const CURSOR_KEY_SECRET = 'change-cursor-key';
export const LEGACY_CURSOR_LIMIT_SECRET = 'change-cursor-legacy-limit';

const VERSION = 2;
const TAG_BYTES = 16;
const POSITION_BYTES = 12;
const SEALED_BYTES = 1 + TAG_BYTES + POSITION_BYTES;
const ORDINAL_MAX = 2 ** 32 - 1;
const LEGACY = /^fyh1:(0|[1-9]\d{0,14}):(0|[1-9]\d{0,9})$/;

/** Seals positions into cursors and reads cursors back, with one hub's key. */
export class ChangeCursors {
  private readonly authentication: KeyObject;
  /** AES-256 of a single block: CTR's first keystream block is the encryption of the IV itself. */
  private readonly block: Cipher;

  /**
   * `key`: the hub's cursor key (32 bytes or more); `legacyLimit`: the last commit number of the log when the hub
   * began sealing (cursors in the clear form are read only up to it).
   */
  constructor(
    key: Buffer,
    private readonly legacyLimit: number,
  ) {
    if (key.length < 32) throw new Error('the change-cursor key must have at least 32 bytes');
    const derive = (purpose: string) => createHmac('sha256', key).update(`fuyuan-hub change cursor ${purpose}`).digest();
    this.authentication = createSecretKey(derive('authentication'));
    this.block = createCipheriv('aes-256-ecb', derive('encryption'), null);
    this.block.setAutoPadding(false);
  }

  /** The opaque cursor of a position. */
  encode(position: Position): string {
    if (
      !Number.isSafeInteger(position.seq) ||
      position.seq < 0 ||
      !Number.isInteger(position.ordinal) ||
      position.ordinal < 0 ||
      position.ordinal > ORDINAL_MAX
    ) {
      throw new Error(`not a position of the change log: ${JSON.stringify(position)}`);
    }
    const plain = Buffer.alloc(POSITION_BYTES);
    plain.writeBigUInt64BE(BigInt(position.seq), 0);
    plain.writeUInt32BE(position.ordinal, 8);
    const tag = this.tag(plain);
    const sealed = Buffer.alloc(SEALED_BYTES);
    sealed[0] = VERSION;
    tag.copy(sealed, 1);
    this.crypt(tag, plain).copy(sealed, 1 + TAG_BYTES);
    return sealed.toString('base64url');
  }

  /** The position a cursor names; BAD_USER_INPUT naming `field` when it is not a cursor this hub issued. */
  decode(cursor: string, field = 'after'): Position {
    const position = this.open(cursor) ?? this.legacy(cursor);
    if (!position) throw badInput(`${field} is not a cursor of the change log`, { field, rule: 'cursor' });
    return position;
  }

  private open(cursor: string): Position | null {
    const sealed = Buffer.from(cursor, 'base64url');
    if (sealed.length !== SEALED_BYTES || sealed[0] !== VERSION || sealed.toString('base64url') !== cursor) return null;
    const tag = sealed.subarray(1, 1 + TAG_BYTES);
    const plain = this.crypt(tag, sealed.subarray(1 + TAG_BYTES));
    if (!timingSafeEqual(this.tag(plain), tag)) return null;
    const seq = plain.readBigUInt64BE(0);
    if (seq > BigInt(Number.MAX_SAFE_INTEGER)) return null;
    return { seq: Number(seq), ordinal: plain.readUInt32BE(8) };
  }

  /** A cursor of the clear form issued before sealing: a position up to the head of the log at the upgrade. */
  private legacy(cursor: string): Position | null {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    const match = LEGACY.exec(text);
    if (!match || Buffer.from(text, 'utf8').toString('base64url') !== cursor) return null;
    const position = { seq: Number(match[1]), ordinal: Number(match[2]) };
    return position.seq <= this.legacyLimit ? position : null;
  }

  private tag(plain: Buffer): Buffer {
    return createHmac('sha256', this.authentication).update(plain).digest().subarray(0, TAG_BYTES);
  }

  /** AES-256-CTR with initial counter block `iv`, for at most one block of `data` (encrypts and decrypts). */
  private crypt(iv: Buffer, data: Buffer): Buffer {
    const keystream = this.block.update(iv);
    const out = Buffer.alloc(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i] ^ keystream[i];
    return out;
  }
}

/** The hub's change cursors, from the key its database keeps (hub_secret); start-up stops when it is missing. */
export async function loadChangeCursors(em: EntityManager): Promise<ChangeCursors> {
  const rows = await em.execute<{ name: string; value: string }[]>('select name, value from hub_secret where name in (?, ?)', [
    CURSOR_KEY_SECRET,
    LEGACY_CURSOR_LIMIT_SECRET,
  ]);
  const value = (name: string) => rows.find((row) => row.name === name)?.value;
  const key = value(CURSOR_KEY_SECRET);
  const limit = value(LEGACY_CURSOR_LIMIT_SECRET);
  if (!key || limit === undefined || !/^\d+$/.test(limit)) {
    throw new ConfigError(
      `the database lacks the change-cursor key (table hub_secret, row ${CURSOR_KEY_SECRET}): restore it from a backup of this database`,
    );
  }
  return new ChangeCursors(Buffer.from(key, 'base64'), Number(limit));
}
