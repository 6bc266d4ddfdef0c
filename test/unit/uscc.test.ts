import { parseUscc, usccCheckCharacter, USCC_CHARSET } from '../../src/modules/enterprises/uscc';

describe('USCC (GB 32100-2015), the test vectors of DOMAIN.md', () => {
  it.each(['91110000600037341L', '914403001922038216', '91350200MA2YJ1XR9G'])('accepts %s', (code) => {
    expect(parseUscc(code)).toEqual({ ok: true, value: code });
  });

  it('accepts 911408001000007370, whose weighted sum is a multiple of 31 (check character 0)', () => {
    expect(usccCheckCharacter('91140800100000737')).toBe('0');
    expect(parseUscc('911408001000007370')).toEqual({ ok: true, value: '911408001000007370' });
  });

  it('refuses a wrong check character', () => {
    expect(parseUscc('914403001922038217')).toMatchObject({ ok: false, rule: 'check' });
  });

  it('refuses two transposed characters', () => {
    expect(parseUscc('914403001922038126')).toMatchObject({ ok: false, rule: 'check' });
  });

  it('refuses the letter I, which is not in the character set', () => {
    const result = parseUscc('91140800MAIK12348C');
    expect(result).toMatchObject({ ok: false, rule: 'character' });
    expect(!result.ok && result.message).toContain('"I" at position 11');
  });

  it('refuses a letter in the division code even when its check character is right', () => {
    expect(usccCheckCharacter('9114A800MA0K12348')).toBe('8');
    const result = parseUscc('9114A800MA0K123488');
    expect(result).toMatchObject({ ok: false, rule: 'division' });
    expect(!result.ok && result.message).toContain('14A800');
  });

  it('refuses 17 characters, naming the length', () => {
    const result = parseUscc('91110000600037341');
    expect(result).toMatchObject({ ok: false, rule: 'length' });
    expect(!result.ok && result.message).toContain('17');
  });

  it('trims and upper-cases before validating', () => {
    expect(parseUscc('  91350200ma2yj1xr9g ')).toEqual({ ok: true, value: '91350200MA2YJ1XR9G' });
  });

  it.each(['O', 'S', 'V', 'Z'])('refuses the letter %s', (letter) => {
    expect(parseUscc(`9135020${letter}MA2YJ1XR9G`)).toMatchObject({ ok: false, rule: 'character' });
  });

  it('does not reject unusual registration authorities (position 1)', () => {
    const first17 = 'Y1140800MA0K12345';
    expect(parseUscc(first17 + usccCheckCharacter(first17))).toMatchObject({ ok: true });
  });

  it('has 31 symbols without I, O, S, V, Z', () => {
    expect(USCC_CHARSET).toHaveLength(31);
    expect(USCC_CHARSET).not.toMatch(/[IOSVZ]/);
  });
});
