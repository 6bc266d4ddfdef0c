import { parseMoney } from '../../src/modules/risk-lists/money';

describe('money in yuan (parseMoney)', () => {
  it.each([
    ['12345.67', '12345.67'],
    ['0', '0.00'],
    ['12345.6', '12345.60'],
    ['  100 ', '100.00'],
    ['100', '100.00'],
    ['0.5', '0.50'],
    ['0.05', '0.05'],
    ['007.10', '7.10'],
    ['000', '0.00'],
  ])('accepts the string %j as %s', (input, canonical) => {
    expect(parseMoney(input)).toEqual({ ok: true, value: canonical });
  });

  it('accepts 16 digits before the point', () => {
    expect(parseMoney('9999999999999999.99')).toEqual({ ok: true, value: '9999999999999999.99' });
    expect(parseMoney('0000000000000000001.00')).toEqual({ ok: true, value: '1.00' });
  });

  it.each([
    [12345, '12345.00'],
    [0, '0.00'],
    [-0, '0.00'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991.00'],
  ])('accepts the JSON number %p as %s', (input, canonical) => {
    expect(parseMoney(input)).toEqual({ ok: true, value: canonical });
  });

  it('keeps amounts exact where a float would not', () => {
    expect(parseMoney('0.10')).toEqual({ ok: true, value: '0.10' });
    expect(parseMoney('9007199254740993.01')).toEqual({ ok: true, value: '9007199254740993.01' });
  });

  it.each([
    ['-1', 'negative'],
    ['-12345.67', 'negative'],
    ['  -0.5 ', 'negative'],
    [-5, 'negative'],
    ['', 'format'],
    ['   ', 'format'],
    ['abc', 'format'],
    ['+12', 'format'],
    ['1e5', 'format'],
    ['1.5E3', 'format'],
    ['1,000', 'format'],
    ['1,234,567.89', 'format'],
    ['12.', 'format'],
    ['.5', 'format'],
    ['1.2.3', 'format'],
    ['１００', 'format'],
    ['12 345', 'format'],
    ['0x10', 'format'],
    ['Infinity', 'format'],
    [12.5, 'format'],
    [Number.NaN, 'format'],
    [Number.POSITIVE_INFINITY, 'format'],
    ['12.345', 'precision'],
    ['0.001', 'precision'],
    ['12.500', 'precision'],
    ['10000000000000000', 'range'],
    ['12345678901234567.00', 'range'],
    [Number.MAX_SAFE_INTEGER + 1, 'range'],
    [1e20, 'range'],
    [null, 'type'],
    [undefined, 'type'],
    [true, 'type'],
    [{ amount: '1' }, 'type'],
    [['1.00'], 'type'],
  ])('refuses %p (rule %s)', (input, rule) => {
    expect(parseMoney(input)).toMatchObject({ ok: false, rule });
  });

  it('shows the value in its messages', () => {
    const negative = parseMoney('-12.50');
    expect(!negative.ok && negative.message).toContain('"-12.50"');
    const format = parseMoney('1,000');
    expect(!format.ok && format.message).toContain('"1,000"');
    expect(!format.ok && format.message).toContain('thousands separators');
    const exponent = parseMoney('1e5');
    expect(!exponent.ok && exponent.message).toContain('exponent');
    const precision = parseMoney('12.345');
    expect(!precision.ok && precision.message).toContain('"12.345"');
    expect(!precision.ok && precision.message).toContain('2 decimal places');
    const range = parseMoney('12345678901234567');
    expect(!range.ok && range.message).toContain('16 digits');
    const float = parseMoney(12.5);
    expect(!float.ok && float.message).toContain('"12.50"');
    const type = parseMoney(true);
    expect(!type.ok && type.message).toContain('boolean');
  });
});
