import { parseRegionCode, parseRegionPrefix } from '../../src/region';

describe('region codes (GB/T 2260)', () => {
  it.each(['140800', '370323', '410403', '341524', '411121', '110101'])('accepts the division code %s', (code) => {
    expect(parseRegionCode(code)).toEqual({ ok: true, value: code });
  });

  it.each([
    ['14080', 'length'],
    ['1408000', 'length'],
    ['14O800', 'character'],
    ['990800', 'province'],
    ['000000', 'province'],
    ['140008', 'division'],
  ])('refuses %s (rule %s)', (code, rule) => {
    expect(parseRegionCode(code)).toMatchObject({ ok: false, rule });
  });

  it('takes prefixes of 2, 4 or 6 digits and normalises trailing zeros', () => {
    expect(parseRegionPrefix('14')).toEqual({ ok: true, value: '14' });
    expect(parseRegionPrefix('1408')).toEqual({ ok: true, value: '1408' });
    expect(parseRegionPrefix('140802')).toEqual({ ok: true, value: '140802' });
    expect(parseRegionPrefix('140800')).toEqual({ ok: true, value: '1408' });
    expect(parseRegionPrefix('140000')).toEqual({ ok: true, value: '14' });
    expect(parseRegionPrefix('1400')).toEqual({ ok: true, value: '14' });
  });

  it.each(['1', '140', '14080', '99', 'ab'])('refuses the prefix %s', (prefix) => {
    expect(parseRegionPrefix(prefix)).toMatchObject({ ok: false });
  });
});
