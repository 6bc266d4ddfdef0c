import { daysInMonth, isLeapYear, parseLocalDate } from '../../src/calendar-date';

describe('calendar dates (parseLocalDate)', () => {
  it.each(['2024-02-29', '2000-02-29', '2026-01-01', '2026-12-31', '1900-01-01', '2999-12-31', '2023-04-30'])('accepts %s unchanged', (date) => {
    expect(parseLocalDate(date)).toEqual({ ok: true, value: date });
  });

  it('trims blanks around the date', () => {
    expect(parseLocalDate(' 2024-03-01\n')).toEqual({ ok: true, value: '2024-03-01' });
  });

  it('never shifts the day (no Date at +08:00 or UTC in between)', () => {
    expect(parseLocalDate('2026-01-01')).toEqual({ ok: true, value: '2026-01-01' });
    expect(parseLocalDate('1999-12-31')).toEqual({ ok: true, value: '1999-12-31' });
  });

  it.each([
    ['2026-02-29', 'date'], // 2026 is not a leap year
    ['1900-02-29', 'date'], // divisible by 100, not by 400
    ['2023-04-31', 'date'],
    ['2023-13-01', 'date'],
    ['2023-00-10', 'date'],
    ['2023-01-00', 'date'],
    ['2023-01-32', 'date'],
    ['1899-12-31', 'date'],
    ['3000-01-01', 'date'],
    ['2023-1-5', 'format'],
    ['20230105', 'format'],
    ['2023/01/05', 'format'],
    ['2023-01-05T00:00:00', 'format'],
    ['2023-01-05T00:00:00+08:00', 'format'],
    ['2023-01-05Z', 'format'],
    ['2023-01-05 08:00', 'format'],
    ['2023年1月5日', 'format'],
    ['', 'format'],
    ['+02023-01-05', 'format'],
    ['２０２３-01-05', 'format'],
    [20230105, 'type'],
    [null, 'type'],
    [undefined, 'type'],
    [new Date('2023-01-05'), 'type'],
  ])('refuses %p (rule %s)', (input, rule) => {
    expect(parseLocalDate(input)).toMatchObject({ ok: false, rule });
  });

  it('says why a date is wrong', () => {
    const noDay = parseLocalDate('2026-02-29');
    expect(!noDay.ok && noDay.message).toContain('2026-02 has 28 days');
    const format = parseLocalDate('2023-01-05T00:00:00Z');
    expect(!format.ok && format.message).toContain('YYYY-MM-DD');
    expect(!format.ok && format.message).toContain('2023-01-05T00:00:00Z');
    const year = parseLocalDate('1899-12-31');
    expect(!year.ok && year.message).toContain('1900');
  });

  it('knows leap years and month lengths', () => {
    expect([1900, 2000, 2023, 2024, 2100].map(isLeapYear)).toEqual([false, true, false, true, false]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2023, 2)).toBe(28);
    expect(daysInMonth(2023, 4)).toBe(30);
    expect(daysInMonth(2023, 12)).toBe(31);
  });
});
