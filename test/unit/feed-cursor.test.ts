/**
 * Cursors of the change log (src/change-log/cursor.ts): a position (commit number, ordinal) sealed into an opaque cursor
 * with the hub's key and read back; the same position gives the same cursor with the same key; a cursor shows
 * nothing of the position; any change to one, or one sealed with another key, is BAD_USER_INPUT naming the argument
 * and the rule; cursors of the clear form issued before sealing are still read, up to the head of the log at the
 * upgrade, and every string that is not such a cursor is refused.
 */
import { randomBytes } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { ChangeCursors, comparePositions, START, type Position } from '../../src/change-log/cursor';

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const KEY = randomBytes(32);
/** Reads every clear cursor the format allows (the upgrade's head is beyond any of them). */
const cursors = new ChangeCursors(KEY, Number.MAX_SAFE_INTEGER);
const encodeCursor = (position: Position) => cursors.encode(position);
const decodeCursor = (cursor: string, field?: string) => cursors.decode(cursor, field);

/** The error decoding `cursor` throws, or null when it decodes. */
function refusal(cursor: string, field?: string, by: ChangeCursors = cursors): GraphQLError | null {
  try {
    if (field === undefined) by.decode(cursor);
    else by.decode(cursor, field);
    return null;
  } catch (error) {
    return error as GraphQLError;
  }
}

function expectRefused(cursor: string, field = 'after', by: ChangeCursors = cursors) {
  const error = refusal(cursor, field === 'after' ? undefined : field, by);
  expect(error).toBeInstanceOf(GraphQLError);
  expect(error!.extensions).toEqual({ code: 'BAD_USER_INPUT', field, rule: 'cursor' });
  // The message names the argument and says nothing about the encoding.
  expect(error!.message).toContain(field);
}

const positions: Position[] = [
  START,
  { seq: 0, ordinal: 1 },
  { seq: 1, ordinal: 0 },
  { seq: 1, ordinal: 1 },
  { seq: 7, ordinal: 6000 },
  { seq: 10, ordinal: 100_000 },
  { seq: 123_456_789, ordinal: 2_147_483_647 },
  { seq: 999_999_999_999_999, ordinal: 4_294_967_295 },
  { seq: Number.MAX_SAFE_INTEGER, ordinal: 1 },
];

describe('sealed cursors', () => {
  it.each(positions)('round-trips %p', (position) => {
    const cursor = encodeCursor(position);
    expect(decodeCursor(cursor)).toEqual(position);
    expect(decodeCursor(cursor, 'filter.after')).toEqual(position);
  });

  it('gives URL-safe cursors of one length without padding, one per position', () => {
    const seen = new Set<string>();
    for (let seq = 0; seq < 40; seq++) {
      for (let ordinal = 0; ordinal < 40; ordinal++) {
        const cursor = encodeCursor({ seq, ordinal });
        expect(cursor).toMatch(/^[A-Za-z0-9_-]{39}$/);
        seen.add(cursor);
        expect(decodeCursor(cursor)).toEqual({ seq, ordinal });
      }
    }
    expect(seen.size).toBe(40 * 40);
  });

  it('is deterministic: the same position gives the same cursor, with every instance made from the same key', () => {
    const other = new ChangeCursors(Buffer.from(KEY), 0);
    for (const position of positions) {
      expect(encodeCursor(position)).toBe(encodeCursor({ ...position }));
      expect(other.encode(position)).toBe(encodeCursor(position));
      expect(other.decode(encodeCursor(position))).toEqual(position);
    }
  });

  it('shows nothing of the position: no digits of it, no bytes of it, nothing shared between neighbours', () => {
    const position = { seq: 1_234_567, ordinal: 3 };
    const cursor = encodeCursor(position);
    const bytes = Buffer.from(cursor, 'base64url');
    expect(bytes.toString('latin1')).not.toContain('1234567');
    const seqBytes = Buffer.alloc(8);
    seqBytes.writeBigUInt64BE(BigInt(position.seq));
    expect(bytes.includes(seqBytes.subarray(5))).toBe(false);
    // Neighbouring positions share no prefix that grows with the number (no order can be read off).
    const next = Buffer.from(encodeCursor({ seq: position.seq + 1, ordinal: 3 }), 'base64url');
    let same = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === next[i]) same++;
    expect(same).toBeLessThan(6);
  });

  it("another key seals differently and cannot read this key's cursors", () => {
    const other = new ChangeCursors(randomBytes(32), Number.MAX_SAFE_INTEGER);
    for (const position of positions) {
      expect(other.encode(position)).not.toBe(encodeCursor(position));
      expectRefused(encodeCursor(position), 'after', other);
    }
  });

  it('any changed bit is refused, in every byte', () => {
    const cursor = encodeCursor({ seq: 42, ordinal: 7 });
    const bytes = Buffer.from(cursor, 'base64url');
    let tried = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const changed = Buffer.from(bytes);
        changed[i] ^= 1 << bit;
        expectRefused(changed.toString('base64url'));
        tried++;
      }
    }
    expect(tried).toBe(29 * 8);
  });

  it('cut, lengthened, re-padded or re-encoded cursors are refused', () => {
    const cursor = encodeCursor({ seq: 42, ordinal: 7 });
    const bytes = Buffer.from(cursor, 'base64url');
    expectRefused(cursor.slice(0, -1));
    expectRefused(`${cursor}A`);
    expectRefused(`${cursor}=`);
    expectRefused(bytes.subarray(0, 28).toString('base64url'));
    expectRefused(Buffer.concat([bytes, Buffer.from([0])]).toString('base64url'));
    expectRefused(` ${cursor}`);
    expectRefused(`${cursor}${cursor}`);
    // The same bytes in the standard alphabet (when it differs) or with other spare bits in the last character.
    const standard = bytes.toString('base64');
    if (standard.replace(/=+$/, '') !== cursor) expectRefused(standard);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const last of alphabet) {
      const variant = cursor.slice(0, -1) + last;
      if (variant !== cursor && Buffer.from(variant, 'base64url').equals(bytes)) expectRefused(variant);
    }
  });

  it('refuses to seal what is not a position', () => {
    expect(() => encodeCursor({ seq: -1, ordinal: 0 })).toThrow();
    expect(() => encodeCursor({ seq: 1.5, ordinal: 0 })).toThrow();
    expect(() => encodeCursor({ seq: 2 ** 53, ordinal: 0 })).toThrow();
    expect(() => encodeCursor({ seq: 1, ordinal: 2 ** 32 })).toThrow();
    expect(() => new ChangeCursors(Buffer.alloc(16), 0)).toThrow();
  });
});

describe('cursors of the clear form issued before sealing', () => {
  it('are read up to the head of the log at the upgrade, and refused beyond it (the hub never issued those)', () => {
    const upgraded = new ChangeCursors(KEY, 12);
    expect(upgraded.decode(b64url('fyh1:0:0'))).toEqual(START);
    expect(upgraded.decode(b64url('fyh1:3:1'))).toEqual({ seq: 3, ordinal: 1 });
    expect(upgraded.decode(b64url('fyh1:12:5000'))).toEqual({ seq: 12, ordinal: 5000 });
    expectRefused(b64url('fyh1:13:1'), 'after', upgraded);
    expectRefused(b64url('fyh1:999999:1'), 'after', upgraded);
    // A database that had no change at the upgrade reads only the start of the log in the clear form.
    const fresh = new ChangeCursors(KEY, 0);
    expect(fresh.decode(b64url('fyh1:0:0'))).toEqual(START);
    expectRefused(b64url('fyh1:1:1'), 'after', fresh);
  });
});

describe('comparePositions', () => {
  const sign = (a: Position, b: Position) => Math.sign(comparePositions(a, b));

  it('orders by commit number first, then by ordinal', () => {
    expect(sign({ seq: 1, ordinal: 5 }, { seq: 2, ordinal: 1 })).toBe(-1);
    expect(sign({ seq: 2, ordinal: 1 }, { seq: 1, ordinal: 5 })).toBe(1);
    expect(sign({ seq: 3, ordinal: 1 }, { seq: 3, ordinal: 2 })).toBe(-1);
    expect(sign({ seq: 3, ordinal: 2 }, { seq: 3, ordinal: 1 })).toBe(1);
    expect(sign({ seq: 3, ordinal: 2 }, { seq: 3, ordinal: 2 })).toBe(0);
    expect(sign(START, { seq: 1, ordinal: 1 })).toBe(-1);
    expect(sign({ seq: 1, ordinal: 0 }, START)).toBe(1);
    expect(sign({ seq: 999_999_999_999_999, ordinal: 1 }, { seq: 999_999_999_999_998, ordinal: 4_294_967_295 })).toBe(1);
  });

  it('sorts a shuffled list of positions into commit order, and agrees with the decoded cursors', () => {
    const ordered: Position[] = [];
    for (let seq = 0; seq < 6; seq++) for (let ordinal = 0; ordinal < 6; ordinal++) ordered.push({ seq, ordinal });
    const shuffled = [...ordered].sort((a, b) => ((a.seq * 7 + a.ordinal * 13) % 17) - ((b.seq * 7 + b.ordinal * 13) % 17));
    expect(shuffled).not.toEqual(ordered);
    expect([...shuffled].sort(comparePositions)).toEqual(ordered);
    const viaCursors = shuffled
      .map(encodeCursor)
      .map((cursor) => decodeCursor(cursor))
      .sort(comparePositions);
    expect(viaCursors).toEqual(ordered);
  });

  it('is antisymmetric', () => {
    const all: Position[] = [START, { seq: 1, ordinal: 1 }, { seq: 1, ordinal: 2 }, { seq: 2, ordinal: 1 }];
    for (const a of all) for (const b of all) expect(Math.sign(comparePositions(a, b))).toBe(-Math.sign(comparePositions(b, a)) || 0);
  });
});

describe('malformed cursors are BAD_USER_INPUT naming the field and the rule "cursor"', () => {
  const good = b64url('fyh1:12:3');

  it.each([
    ['the empty string', ''],
    ['a random string', 'hello world'],
    ['random base64url-looking text', 'Zm9vYmFyYmF6cXV4'],
    ['a UUID', '6f1c1f4e-7a53-4d38-9d0a-3c1f5b0b7e21'],
    ['a number', '42'],
    ['the position as plain text', 'fyh1:12:3'],
    ['base64url of other text', b64url('hello, world')],
    ['base64url of a cursor of another list (JSON array)', b64url('["x","y"]')],
    ['base64url of a JSON object', b64url('{"seq":12,"ordinal":3}')],
    ['base64url of another prefix', b64url('fyh2:12:3')],
    ['a sealed cursor of another key', new ChangeCursors(randomBytes(32), 0).encode({ seq: 12, ordinal: 3 })],
    ['base64url without the prefix', b64url('12:3')],
    ['base64url of an upper-case prefix', b64url('FYH1:12:3')],
    ['a negative commit number', b64url('fyh1:-1:3')],
    ['a negative ordinal', b64url('fyh1:12:-3')],
    ['a leading zero in the commit number', b64url('fyh1:012:3')],
    ['a leading zero in the ordinal', b64url('fyh1:12:03')],
    ['a double zero', b64url('fyh1:00:0')],
    ['a plus sign', b64url('fyh1:+12:3')],
    ['a decimal point', b64url('fyh1:12.0:3')],
    ['an exponent', b64url('fyh1:1e3:3')],
    ['hexadecimal', b64url('fyh1:0x1:3')],
    ['a missing ordinal', b64url('fyh1:12')],
    ['an empty ordinal', b64url('fyh1:12:')],
    ['an empty commit number', b64url('fyh1::3')],
    ['a third number', b64url('fyh1:12:3:4')],
    ['spaces inside', b64url('fyh1: 12:3')],
    ['a trailing newline inside', b64url('fyh1:12:3\n')],
    ['a leading space inside', b64url(' fyh1:12:3')],
    ['full-width digits', b64url('fyh1:１２:３')],
    ['a commit number beyond 15 digits', b64url('fyh1:1000000000000000:3')],
    ['an ordinal beyond 10 digits', b64url('fyh1:12:10000000000')],
  ])('%s', (_, cursor) => {
    expectRefused(cursor);
  });

  it('non-canonical encodings of a good position: padding, the standard alphabet, spare bits, whitespace', () => {
    // fyh1:12:3 is 9 bytes: 12 base64 characters, no padding either way. Use positions whose text needs padding.
    const needsPadding = ['fyh1:1:2', 'fyh1:12:34', 'fyh1:7:0'];
    for (const text of needsPadding) {
      const canonical = b64url(text);
      expect(decodeCursor(canonical)).toBeDefined();
      expect(b64(text)).toMatch(/=$/);
      expectRefused(b64(text)); // standard base64 with padding
      expectRefused(`${canonical}=`);
      expectRefused(`${canonical}==`);
      expectRefused(`${canonical}===`);
    }
    expectRefused(` ${good}`);
    expectRefused(`${good} `);
    expectRefused(`${good}\n`);
    expectRefused(`${good.slice(0, 4)} ${good.slice(4)}`);
    expectRefused(`${good}${good}`);
    expectRefused(good.slice(0, -1));
  });

  it('non-canonical: characters outside the alphabet, URL-escaped padding, a cursor in the standard alphabet', () => {
    for (const text of ['fyh1:1:2', 'fyh1:12:3', 'fyh1:999:4321']) {
      const canonical = b64url(text);
      expectRefused(`${canonical}.`);
      expectRefused(`${canonical.slice(0, 3)}.${canonical.slice(3)}`);
      expectRefused(`${canonical}!`);
      expectRefused(`${canonical}%3D`);
      expectRefused(`${canonical}\u0000`);
      expectRefused(encodeURIComponent(b64(text)) === b64(text) ? `${canonical}%3D%3D` : encodeURIComponent(b64(text)));
    }
    // A cursor's text is ASCII digits and colons, so its base64 and base64url encodings agree (no - _ + /);
    // base64 of a text with bytes that encode to + and / is refused whichever alphabet it uses.
    const odd = 'fyh1:1:2\u00fb\u00ff';
    expectRefused(b64(odd));
    expectRefused(b64url(odd));
  });

  it('non-canonical: the same bytes with different spare bits in the last character', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let tried = 0;
    for (const text of ['fyh1:1:2', 'fyh1:12:34', 'fyh1:7:0', 'fyh1:3:12']) {
      const canonical = b64url(text);
      const head = canonical.slice(0, -1);
      for (const last of alphabet) {
        const variant = head + last;
        if (variant === canonical) continue;
        if (Buffer.from(variant, 'base64url').toString('utf8') !== text) continue;
        tried += 1;
        expectRefused(variant);
      }
    }
    expect(tried).toBeGreaterThan(0);
  });

  it('names the field it is given', () => {
    expectRefused('nope', 'filter.after');
    expectRefused(b64url('["x","y"]'), 'resumeFrom');
  });

  it('a refusal is a client error, not an internal one', () => {
    const error = refusal(b64url('fyh1:-1:0'));
    expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error?.message).not.toMatch(/regex|buffer|base64|undefined|TypeError/i);
  });
});
