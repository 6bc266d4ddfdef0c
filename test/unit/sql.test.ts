/** src/db/sql.ts: numbering `?` placeholders for the prepared read statements, and PostgreSQL array literals. */
import { numberedPlaceholders, pgArray } from '../../src/db/sql';

describe('numberedPlaceholders', () => {
  it('numbers the placeholders in order, casts included', () => {
    expect(numberedPlaceholders('select * from t where a = ? and b = any(?::text[]) limit ?', 3)).toBe(
      'select * from t where a = $1 and b = any($2::text[]) limit $3',
    );
  });

  it('leaves a ? inside a quoted literal or identifier alone (doubled quotes included)', () => {
    expect(numberedPlaceholders(`select 'why?', 'it''s ?', "col?" from t where x = ?`, 1)).toBe(
      `select 'why?', 'it''s ?', "col?" from t where x = $1`,
    );
  });

  it('refuses a count that does not match the values', () => {
    expect(() => numberedPlaceholders('select ? , ?', 1)).toThrow('2 placeholders for 1 values');
    expect(() => numberedPlaceholders('select 1', 1)).toThrow('0 placeholders for 1 values');
  });

  it.each([
    ['a line comment', 'select ? -- why?'],
    ['a block comment', 'select /* ? */ ?'],
    ['dollar quoting', 'select $$?$$, ?'],
    ["an E'' string", "select E'\\'?', ?"],
    ["knex's ??", 'select ?? from t where a = ?'],
  ])('refuses SQL it cannot number safely: %s', (_, sql) => {
    expect(() => numberedPlaceholders(sql, 1)).toThrow('cannot be numbered safely');
  });

  it('does not mistake a quoted -- or /* for a comment', () => {
    expect(numberedPlaceholders(`select '--', '/*' from t where a = ?`, 1)).toBe(`select '--', '/*' from t where a = $1`);
  });
});

describe('pgArray', () => {
  it('quotes and escapes every element', () => {
    expect(pgArray(['a', 'b "c"', 'd\\e', '运城'])).toBe('{"a","b \\"c\\"","d\\\\e","运城"}');
    expect(pgArray([])).toBe('{}');
  });
});
