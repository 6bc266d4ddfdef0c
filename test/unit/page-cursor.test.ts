/** Page cursors: each part of a sort key is checked against its kind (src/db/keyset.ts). */
import 'reflect-metadata';
import { decodeCursor, encodeCursor, type CursorShape } from '../../src/db/keyset';

const raw = (json: string) => Buffer.from(json, 'utf8').toString('base64url');
const refused = (cursor: string, shape: CursorShape) => {
  try {
    decodeCursor(cursor, shape);
    return null;
  } catch (error) {
    return (error as { extensions?: unknown }).extensions;
  }
};

describe('decodeCursor', () => {
  it.each([
    [
      ['2026-11-29 02:13:14.123456+00', '0f0e8f5e-7c1a-4b43-9a57-0e3b9d0f2a11'],
      ['time', 'uuid'],
    ],
    [
      ['2026-11-29 10:13:14+08', '0F0E8F5E-7C1A-4B43-9A57-0E3B9D0F2A11'],
      ['time', 'uuid'],
    ],
    [['2026-11-29T02:13:14.123Z'], ['time']],
    [['2026-11-29T02:13:14+05:30'], ['time']],
    [['2024-02-29 00:00:00-03'], ['time']],
    [['-1'], ['int']],
    [['2147483647'], ['int']],
    [[-2147483648], ['int']],
    [['-1'], ['decimal']],
    [['1283000.50'], ['decimal']],
    [['0.000001'], ['decimal']],
    [['YC-TAX'], ['text']],
    [['911408001000007370'], ['text']],
    [[], []],
  ] as [unknown[], CursorShape][])('accepts %j as %j', (key, shape) => {
    expect(decodeCursor(encodeCursor(key), shape)).toEqual(key);
  });

  it.each([
    ['1e400 as an int', '[1e400]', ['int']],
    ['1e400 as a decimal', '[1e400]', ['decimal']],
    ['-1e400 as an int', '[-1e400]', ['int']],
    ['2^31 as an int', '["2147483648"]', ['int']],
    ['a leading zero', '["01"]', ['int']],
    ['a plus sign', '["+1"]', ['decimal']],
    ['a trailing point', '["1."]', ['decimal']],
    ['2023 has no Feb 29', '["2023-02-29 00:00:00+00"]', ['time']],
    ['minute 60', '["2026-01-01 00:60:00+00"]', ['time']],
    ['seconds 60', '["2026-01-01 00:00:60+00"]', ['time']],
    ['no offset', '["2026-01-01 00:00:00"]', ['time']],
    ['an offset of 16 hours', '["2026-01-01 00:00:00+16"]', ['time']],
    ['seven fraction digits', '["2026-01-01 00:00:00.1234567+00"]', ['time']],
    ['a date only', '["2026-01-01"]', ['time']],
    ['a UUID without dashes', '["0f0e8f5e7c1a4b439a570e3b9d0f2a11"]', ['uuid']],
    ['null', '[null]', ['text']],
    ['true', '[true]', ['int']],
    ['the wrong arity', '["a","b"]', ['text']],
    ['no array', '"a"', ['text']],
  ] as [string, string, CursorShape][])('refuses %s', (_what, json, shape) => {
    expect(refused(raw(json), shape)).toEqual({ code: 'BAD_USER_INPUT', field: 'after', rule: 'cursor' });
  });
});
