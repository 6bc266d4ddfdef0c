import {
  BANKRUPTCY_TYPE_CODES,
  checkNumberFitsCase,
  checkNumberOfCourt,
  courtsAbove,
  parseCourtCode,
  isBankruptcyCaseNumber,
  parseBankruptcyCaseNumber,
  parseCaseNumber,
} from '../../src/modules/cases/case-number';

describe('case numbers (案号), the examples of DOMAIN.md', () => {
  it.each([
    ['（2023）晋08破1号', { canonical: '（2023）晋08破1号', year: 2023, court: '晋08', typeCode: '破', sequence: 1, suffix: null }],
    ['(2020)陕01清申4号之二', { canonical: '（2020）陕01清申4号之二', year: 2020, court: '陕01', typeCode: '清申', sequence: 4, suffix: '之二' }],
    ['(2016)湘0523清申1号', { canonical: '（2016）湘0523清申1号', year: 2016, court: '湘0523', typeCode: '清申', sequence: 1, suffix: null }],
    ['（2022）晋破终1号', { canonical: '（2022）晋破终1号', year: 2022, court: '晋', typeCode: '破终', sequence: 1, suffix: null }],
    ['(2023)最高法破1号', { canonical: '（2023）最高法破1号', year: 2023, court: '最高法', typeCode: '破', sequence: 1, suffix: null }],
    ['（2024）晋0802执123号', { canonical: '（2024）晋0802执123号', year: 2024, court: '晋0802', typeCode: '执', sequence: 123, suffix: null }],
    ['（2024）晋0802执恢5号', { canonical: '（2024）晋0802执恢5号', year: 2024, court: '晋0802', typeCode: '执恢', sequence: 5, suffix: null }],
  ])('accepts %s', (input, expected) => {
    expect(parseCaseNumber(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['2023晋08破1号', 'bracket'], // missing bracket
    ['2023)晋08破1号', 'bracket'],
    ['(2023晋08破1号', 'bracket'],
    ['〔2023〕晋08破1号', 'bracket'], // 文号 brackets are not case-number brackets
    ['(23)晋08破1号', 'year'], // two-digit year
    ['(2023)晋8破1号', 'court'], // 晋8
    ['(2023)晋08破号', 'sequence'], // missing sequence
    ['(2023)晋08破01号', 'sequence'], // 01号
    ['(2015)民初字第1号', 'format'], // the pre-2016 form
  ])('refuses %s (rule %s)', (input, rule) => {
    const result = parseCaseNumber(input);
    expect(result).toMatchObject({ ok: false, rule });
    expect(!result.ok && result.message.length).toBeGreaterThan(20);
  });
});

describe('case numbers: normalisation', () => {
  it('stores half-width brackets as full-width ones', () => {
    const result = parseCaseNumber('(2023)晋08破1号');
    expect(result.ok && result.value.canonical).toBe('（2023）晋08破1号');
  });

  it('gives full-width and half-width input the same canonical form', () => {
    const forms = ['（2023）晋08破1号', '(2023)晋08破1号', '（2023)晋08破1号', '（２０２３）晋０８破１号', '  (2023)晋08破1号 '];
    const canonical = forms.map((form) => {
      const result = parseCaseNumber(form);
      return result.ok ? result.value.canonical : result.message;
    });
    expect(canonical).toEqual(forms.map(() => '（2023）晋08破1号'));
  });

  it('drops blanks copied from documents', () => {
    const result = parseCaseNumber('（2023） 晋08 破 1 号');
    expect(result.ok && result.value.canonical).toBe('（2023）晋08破1号');
  });

  it('keeps the suffix 之二 and parses the sequence as a number', () => {
    const result = parseCaseNumber('(2020)陕01清申14号之十二');
    expect(result).toMatchObject({ ok: true, value: { sequence: 14, suffix: '之十二', canonical: '（2020）陕01清申14号之十二' } });
  });

  it.each(['(2023)军01破1号', '(2023)兵08破1号', '(2023)内01破1号', '(2023)黔0102破2号', '(2023)滇破1号', '(1949)京民1号'])(
    'accepts the court code of %s',
    (input) => {
      expect(parseCaseNumber(input)).toMatchObject({ ok: true });
    },
  );
});

describe('case numbers: each rule', () => {
  it.each([
    [20231, 'type'],
    [null, 'type'],
    [{ canonical: '（2023）晋08破1号' }, 'type'],
    ['', 'format'],
    ['   ', 'format'],
    ['晋08破1号', 'bracket'],
    ['(2023', 'bracket'],
    ['(202)晋08破1号', 'year'],
    ['(20231)晋08破1号', 'year'],
    ['(二〇二三)晋08破1号', 'year'],
    ['()晋08破1号', 'year'],
    ['(1948)晋08破1号', 'year'],
    ['(3000)晋08破1号', 'year'],
    ['(2023)港08破1号', 'court'], // not a court-code abbreviation
    ['(2023)08破1号', 'court'],
    ['(2023)晋081破1号', 'court'],
    ['(2023)晋08021破1号', 'court'],
    ['(2023)最高法01破1号', 'court'],
    ['(2023)晋0812号', 'type'], // no type code: the digits are taken as a basic court's code
    ['(2023)晋08', 'type'],
    ['(2023)晋081号', 'court'], // three digits
    ['(2023)晋破产清算申请1号', 'type'], // more than four characters
    ['(2023)晋08破0号', 'sequence'],
    ['(2023)晋08破', 'sequence'],
    ['(2023)晋08破99999999999999999999号', 'sequence'],
    ['(2023)晋08破1', 'format'], // no 号
    ['(2023)晋08破1号之', 'format'],
    ['(2023)晋08破1号之2', 'format'],
    ['(2023)晋08破1号附', 'format'],
    ['(2023)晋08破1号(2023)晋08破2号', 'format'],
  ])('refuses %p (rule %s)', (input, rule) => {
    expect(parseCaseNumber(input)).toMatchObject({ ok: false, rule });
  });

  it('names what is wrong in the message', () => {
    const court = parseCaseNumber('(2023)晋8破1号');
    expect(!court.ok && court.message).toContain('"晋8"');
    const year = parseCaseNumber('(23)晋08破1号');
    expect(!year.ok && year.message).toContain('four digits');
    const sequence = parseCaseNumber('(2023)晋08破01号');
    expect(!sequence.ok && sequence.message).toContain('"01"');
    const missing = parseCaseNumber('(2023)晋08破号');
    expect(!missing.ok && missing.message).toContain('between the type code "破" and 号');
    const old = parseCaseNumber('(2015)民初字第1号');
    expect(!old.ok && old.message).toContain('pre-2016');
    const bracket = parseCaseNumber('2023晋08破1号');
    expect(!bracket.ok && bracket.message).toContain('brackets');
  });
});

describe('bankruptcy case numbers (the case ledger)', () => {
  it('lists the ten bankruptcy and compulsory-liquidation type codes', () => {
    expect([...BANKRUPTCY_TYPE_CODES].sort()).toEqual(['破申', '破', '破终', '破监', '清申', '强清', '清终', '清监', '民破', '民算'].sort());
  });

  it.each(BANKRUPTCY_TYPE_CODES.map((code) => [code]))('accepts the type code %s', (code) => {
    const result = parseBankruptcyCaseNumber(`(2023)晋08${code}7号`);
    expect(result).toMatchObject({ ok: true, value: { typeCode: code, canonical: `（2023）晋08${code}7号` } });
    expect(result.ok && isBankruptcyCaseNumber(result.value)).toBe(true);
  });

  it.each(['（2024）晋0802执123号', '（2024）晋0802执恢5号', '(2023)晋08民初1号', '(2023)晋08破产1号'])(
    'refuses %s, which parseCaseNumber accepts (rule type)',
    (input) => {
      const any = parseCaseNumber(input);
      expect(any.ok).toBe(true);
      expect(any.ok && isBankruptcyCaseNumber(any.value)).toBe(false);
      const result = parseBankruptcyCaseNumber(input);
      expect(result).toMatchObject({ ok: false, rule: 'type' });
      expect(!result.ok && result.message).toContain(any.ok ? `"${any.value.typeCode}"` : '');
    },
  );

  it('passes on the failure of a malformed number', () => {
    expect(parseBankruptcyCaseNumber('(23)晋08破1号')).toMatchObject({ ok: false, rule: 'year' });
  });

  it('accepts the DOMAIN.md examples', () => {
    for (const input of ['（2023）晋08破1号', '(2020)陕01清申4号之二', '(2016)湘0523清申1号', '（2022）晋破终1号', '(2023)最高法破1号']) {
      expect(parseBankruptcyCaseNumber(input)).toMatchObject({ ok: true });
    }
  });
});

describe('checkNumberFitsCase', () => {
  const n = (text: string) => {
    const parsed = parseCaseNumber(text);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  };
  it.each([
    ['（2026）晋08破申1号', 'LIQUIDATION', 'APPLIED', false, true],
    ['（2026）晋08破1号', 'LIQUIDATION', 'APPLIED', false, 'stage'],
    ['（2026）晋08破1号', 'LIQUIDATION', 'ACCEPTED', true, true],
    ['（2026）晋08破申1号', 'LIQUIDATION', 'ACCEPTED', true, 'stage'],
    ['（2026）晋08破申1号', 'LIQUIDATION', 'CLAIMS_FILING', false, true],
    ['（2026）晋破终1号', 'LIQUIDATION', 'APPLIED', false, true],
    ['（2026）晋08破1号', 'PRE_REORGANIZATION', 'PLAN', false, 'stage'],
    ['（2026）晋08清申1号', 'COMPULSORY_LIQUIDATION', 'APPLIED', false, true],
    ['（2026）晋08强清1号', 'COMPULSORY_LIQUIDATION', 'ACCEPTED', true, true],
    ['（2026）晋08破申1号', 'COMPULSORY_LIQUIDATION', 'APPLIED', false, 'type'],
    ['（2026）晋08清申1号', 'REORGANIZATION', 'APPLIED', false, 'type'],
    ['（2015）晋08民破1号', 'LIQUIDATION', 'APPLIED', false, true],
  ])('%s on a %s case at %s (accepting: %s): %s', (text, procedure, stage, accepting, expected) => {
    const result = checkNumberFitsCase(n(text), procedure, stage, accepting);
    if (expected === true) expect(result).toEqual({ ok: true, value: n(text) });
    else expect(result).toMatchObject({ ok: false, rule: expected });
  });
});

describe('court codes (法院代字): one grammar for case numbers and court units', () => {
  it.each([
    ['晋08', '晋08'],
    ['晋0802', '晋0802'],
    ['晋', '晋'],
    ['最高法', '最高法'],
    ['兵0101', '兵0101'],
    [' 晋０８ ', '晋08'],
  ])('parseCourtCode accepts %s as %s', (input, code) => {
    expect(parseCourtCode(input)).toEqual({ ok: true, value: code });
  });

  it.each(['晋8', '晋081', '晋08021', '山08', '08', '晋08破', '最高法1', '', '（2026）晋08破1号'])(
    'parseCourtCode refuses "%s" (rule format)',
    (input) => {
      expect(parseCourtCode(input)).toMatchObject({ ok: false, rule: 'format' });
    },
  );

  it('a court code refused alone is refused inside a case number too (the same grammar)', () => {
    for (const court of ['晋8', '山08', '最高法1']) {
      expect(parseCaseNumber(`（2026）${court}破1号`)).toMatchObject({ ok: false, rule: 'court' });
      expect(parseCourtCode(court)).toMatchObject({ ok: false });
    }
  });

  it('courtsAbove: the shorter prefixes, nearest first; none above a high court or 最高法', () => {
    expect(courtsAbove('晋0802')).toEqual(['晋08', '晋']);
    expect(courtsAbove('晋08')).toEqual(['晋']);
    expect(courtsAbove('晋')).toEqual([]);
    expect(courtsAbove('最高法')).toEqual([]);
  });

  const number = (text: string) => {
    const parsed = parseCaseNumber(text);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  };

  it.each([
    ['（2026）晋0802破申1号', '晋0802', true],
    ['（2026）晋0881破申1号', '晋0802', false], // a sibling's
    ['（2026）晋08破申1号', '晋0802', false], // the court above's first-instance number
    ['（2026）晋08破终1号', '晋0802', true], // the court above's appeal number
    ['（2026）晋破监1号', '晋0802', true],
    ['（2026）晋08清终1号', '晋0802', true],
    ['（2026）晋08清监1号', '晋0802', true],
    ['（2026）晋0881破终1号', '晋0802', false], // a sibling's appeal number
    ['（2026）晋0802破终1号', '晋08', false], // a court below's
    ['（2026）最高法破监1号', '晋0802', false], // 最高法: the office's to add
    ['（2026）陕01破终1号', '晋0802', false],
  ])('checkNumberOfCourt(%s, %s) → %s', (text, court, allowed) => {
    const result = checkNumberOfCourt(number(text), court);
    expect(result.ok).toBe(allowed);
    if (!result.ok) expect(result.rule).toBe('caseNumberCourt');
  });
});
