import { checkAmount, checkDetails, LIST_TYPES, type DetailKind } from '../../src/modules/risk-lists/list-types';
import { RiskListType } from '../../src/risk-list-type';
import { UnitKind } from '../../src/access/unit-kind';

/** For every list type: a valid `details` payload as a departmental system might send it, and its normal form. */
const EXAMPLES: Record<RiskListType, { input: Record<string, unknown>; normalised: Record<string, unknown>; required: string[] }> = {
  [RiskListType.LICENSE_REVOKED]: {
    input: { revokedOn: '2024-03-15', decisionNumber: ' 运市监处罚〔2024〕12号 ', authority: '运城市市场监督管理局' },
    normalised: { revokedOn: '2024-03-15', decisionNumber: '运市监处罚〔2024〕12号', authority: '运城市市场监督管理局' },
    required: ['revokedOn', 'decisionNumber'],
  },
  [RiskListType.ABNORMAL_OPERATION]: {
    input: { reason: 'NO_ANNUAL_REPORT', listedOn: '2023-07-01', authority: null },
    normalised: { reason: 'NO_ANNUAL_REPORT', listedOn: '2023-07-01' },
    required: ['reason', 'listedOn'],
  },
  [RiskListType.SERIOUS_VIOLATION]: {
    input: { reason: '  被列入经营异常名录届满3年仍未履行相关义务  ', decidedOn: '2022-12-31' },
    normalised: { reason: '被列入经营异常名录届满3年仍未履行相关义务', decidedOn: '2022-12-31' },
    required: ['reason', 'decidedOn'],
  },
  [RiskListType.TAX_ARREARS]: {
    input: { taxTypes: ['增值税', ' 企业所得税 '], newArrears: 5000 },
    normalised: { taxTypes: ['增值税', '企业所得税'], newArrears: '5000.00' },
    required: ['taxTypes'],
  },
  [RiskListType.MAJOR_TAX_VIOLATION]: {
    input: { violationType: '虚开增值税专用发票', decidedOn: '2024-02-29' },
    normalised: { violationType: '虚开增值税专用发票', decidedOn: '2024-02-29' },
    required: ['violationType'],
  },
  [RiskListType.CAPACITY_ELIMINATION]: {
    input: { industry: '焦化', capacityRetired: '焦炭 60万吨/年', deadline: '2025-12-31' },
    normalised: { industry: '焦化', capacityRetired: '焦炭 60万吨/年', deadline: '2025-12-31' },
    required: ['industry'],
  },
  [RiskListType.PRODUCTION_HALTED]: {
    input: { haltedSince: '2023-11-01', idleLandM2: 12000.5, idleBuildingsM2: 0, idleEquipment: '轧钢生产线 2 条' },
    normalised: { haltedSince: '2023-11-01', idleLandM2: 12000.5, idleBuildingsM2: 0, idleEquipment: '轧钢生产线 2 条' },
    required: ['haltedSince'],
  },
  [RiskListType.DISTRESSED]: {
    input: { operatingValue: 'MEDIUM', rescuePlan: '引入战略投资人，预重整' },
    normalised: { operatingValue: 'MEDIUM', rescuePlan: '引入战略投资人，预重整' },
    required: ['operatingValue'],
  },
  [RiskListType.MUTUAL_GUARANTEE_RISK]: {
    input: { chainMembers: [' 91350200ma2yj1xr9g', '914403001922038216'], disposalWillingness: 'UNDECIDED' },
    normalised: { chainMembers: ['91350200MA2YJ1XR9G', '914403001922038216'], disposalWillingness: 'UNDECIDED' },
    required: ['chainMembers'],
  },
  [RiskListType.ZOMBIE]: {
    input: { basis: '连续三年亏损且资不抵债', since: '2021-01-01' },
    normalised: { basis: '连续三年亏损且资不抵债', since: '2021-01-01' },
    required: ['basis'],
  },
  [RiskListType.DISHONEST_JUDGMENT_DEBTOR]: {
    input: { enforcementCaseNumber: '(2024)晋0802执123号', obligation: '支付货款及利息', performance: 'PARTIAL', filedOn: '2024-01-08' },
    normalised: { enforcementCaseNumber: '（2024）晋0802执123号', obligation: '支付货款及利息', performance: 'PARTIAL', filedOn: '2024-01-08' },
    required: ['enforcementCaseNumber', 'obligation', 'performance'],
  },
  [RiskListType.WAGE_ARREARS]: {
    input: { employeesAffected: 86, monthsOwed: 4 },
    normalised: { employeesAffected: 86, monthsOwed: 4 },
    required: ['employeesAffected'],
  },
  [RiskListType.LOAN_OVERDUE]: {
    input: { lenders: ['中国工商银行运城分行', '山西银行'], daysOverdue: 95 },
    normalised: { lenders: ['中国工商银行运城分行', '山西银行'], daysOverdue: 95 },
    required: ['lenders', 'daysOverdue'],
  },
};

const ALL_TYPES = Object.values(RiskListType);

describe('list types (DOMAIN.md "Risky-enterprise lists")', () => {
  it('has the thirteen list types, their values equal to their names', () => {
    expect(ALL_TYPES).toHaveLength(13);
    for (const type of ALL_TYPES) expect(RiskListType[type as keyof typeof RiskListType]).toBe(type);
    expect(Object.keys(LIST_TYPES).sort()).toEqual([...ALL_TYPES].sort());
  });

  it('names each list in Chinese and its usual publishers', () => {
    expect(LIST_TYPES[RiskListType.LICENSE_REVOKED].chinese).toBe('吊销企业名单');
    expect(LIST_TYPES[RiskListType.DISHONEST_JUDGMENT_DEBTOR].chinese).toBe('失信被执行人');
    expect(LIST_TYPES[RiskListType.TAX_ARREARS].usualPublishers).toEqual([UnitKind.TAX]);
    expect(LIST_TYPES[RiskListType.DISHONEST_JUDGMENT_DEBTOR].usualPublishers).toEqual([UnitKind.COURT]);
    expect(LIST_TYPES[RiskListType.DISTRESSED].usualPublishers).toEqual([UnitKind.INDUSTRY, UnitKind.FINANCIAL_REGULATOR]);
    expect(LIST_TYPES[RiskListType.MUTUAL_GUARANTEE_RISK].usualPublishers).toEqual([UnitKind.FINANCIAL_REGULATOR, UnitKind.PBOC]);
    for (const type of ALL_TYPES) {
      expect(LIST_TYPES[type].chinese).toMatch(/\p{Script=Han}/u);
      expect(LIST_TYPES[type].usualPublishers.length).toBeGreaterThan(0);
    }
  });

  it('has the details keys of the DOMAIN.md table, in its order, with its required marks', () => {
    const summary = Object.fromEntries(
      ALL_TYPES.map((type) => [
        type,
        Object.entries(LIST_TYPES[type].details).map(([key, field]) => `${key}${field.required ? '!' : ''}:${field.kind}`),
      ]),
    );
    expect(summary).toEqual({
      LICENSE_REVOKED: ['revokedOn!:date', 'decisionNumber!:string', 'authority:string'],
      ABNORMAL_OPERATION: ['reason!:enum', 'listedOn!:date', 'authority:string'],
      SERIOUS_VIOLATION: ['reason!:string', 'decidedOn!:date', 'authority:string'],
      TAX_ARREARS: ['taxTypes!:stringList', 'newArrears:money'],
      MAJOR_TAX_VIOLATION: ['violationType!:string', 'decidedOn:date'],
      CAPACITY_ELIMINATION: ['industry!:string', 'capacityRetired:string', 'deadline:date'],
      PRODUCTION_HALTED: ['haltedSince!:date', 'idleLandM2:number', 'idleBuildingsM2:number', 'idleEquipment:string'],
      DISTRESSED: ['operatingValue!:enum', 'rescuePlan:string'],
      MUTUAL_GUARANTEE_RISK: ['chainMembers!:usccList', 'disposalWillingness:enum'],
      ZOMBIE: ['basis!:string', 'since:date'],
      DISHONEST_JUDGMENT_DEBTOR: ['enforcementCaseNumber!:caseNumber', 'obligation!:string', 'performance!:enum', 'filedOn:date'],
      WAGE_ARREARS: ['employeesAffected!:positiveInteger', 'monthsOwed:positiveInteger'],
      LOAN_OVERDUE: ['lenders!:stringList', 'daysOverdue!:positiveInteger'],
    });
    expect(LIST_TYPES.ABNORMAL_OPERATION.details.reason.values).toEqual(['NO_ANNUAL_REPORT', 'NO_DISCLOSURE', 'FALSE_DISCLOSURE', 'UNREACHABLE']);
    expect(LIST_TYPES.DISTRESSED.details.operatingValue.values).toEqual(['HIGH', 'MEDIUM', 'LOW', 'NONE']);
    expect(LIST_TYPES.MUTUAL_GUARANTEE_RISK.details.disposalWillingness.values).toEqual(['WILLING', 'UNDECIDED', 'UNWILLING']);
    expect(LIST_TYPES.DISHONEST_JUDGMENT_DEBTOR.details.performance.values).toEqual(['NONE', 'PARTIAL']);
  });
});

describe.each(ALL_TYPES)('details of %s', (type) => {
  const example = EXAMPLES[type];

  it('accepts a valid example and normalises it', () => {
    expect(checkDetails(type, example.input)).toEqual({ ok: true, value: example.normalised });
  });

  it('accepts only the required keys, omitting the optional ones', () => {
    const minimal = Object.fromEntries(example.required.map((key) => [key, example.input[key]]));
    const normalised = Object.fromEntries(example.required.map((key) => [key, example.normalised[key]]));
    const result = checkDetails(type, minimal);
    expect(result).toEqual({ ok: true, value: normalised });
    expect(Object.keys(result.ok ? result.value : {})).toEqual(example.required);
  });

  it.each(example.required.map((key) => [key]))('refuses details without the required key %s, naming it', (key) => {
    const { [key]: _removed, ...rest } = example.input;
    const result = checkDetails(type, rest);
    expect(result).toMatchObject({ ok: false, field: `details.${key}`, rule: 'required' });
    expect(!result.ok && result.message).toContain(key);
    // An explicit null is missing too.
    expect(checkDetails(type, { ...rest, [key]: null })).toMatchObject({ ok: false, field: `details.${key}`, rule: 'required' });
  });

  it('refuses an unknown key, naming it, before anything else', () => {
    const result = checkDetails(type, { ...example.input, remarkz: 'x' });
    expect(result).toMatchObject({ ok: false, field: 'details.remarkz', rule: 'unknown' });
    expect(!result.ok && result.message).toContain('"remarkz"');
    expect(!result.ok && result.message).toContain(Object.keys(LIST_TYPES[type].details)[0]);
    // Unknown keys are reported before missing required ones.
    expect(checkDetails(type, { remarkz: 'x' })).toMatchObject({ field: 'details.remarkz' });
  });

  it('treats absent or null details as {}, failing on the first required key', () => {
    const firstRequired = example.required[0];
    expect(checkDetails(type, undefined)).toMatchObject({ ok: false, field: `details.${firstRequired}`, rule: 'required' });
    expect(checkDetails(type, null)).toMatchObject({ ok: false, field: `details.${firstRequired}`, rule: 'required' });
  });

  it.each([['a string'], [42], [[]], [true]])('refuses details that are not an object: %p', (details) => {
    expect(checkDetails(type, details)).toMatchObject({ ok: false, field: 'details' });
  });

  it('does not change its input', () => {
    const copy = JSON.parse(JSON.stringify(example.input));
    checkDetails(type, copy);
    expect(copy).toEqual(JSON.parse(JSON.stringify(example.input)));
  });
});

describe('details: a value of the wrong type, for each kind', () => {
  // [kind, list type, key, wrong value, rule]
  const cases: [DetailKind, RiskListType, string, unknown, string][] = [
    ['string', RiskListType.LICENSE_REVOKED, 'decisionNumber', 12, 'type'],
    ['string', RiskListType.LICENSE_REVOKED, 'decisionNumber', '   ', 'required'],
    ['string', RiskListType.LICENSE_REVOKED, 'authority', 'x'.repeat(501), 'length'],
    ['string', RiskListType.ZOMBIE, 'basis', ['连续亏损'], 'type'],
    ['date', RiskListType.LICENSE_REVOKED, 'revokedOn', '2026-02-29', 'date'],
    ['date', RiskListType.LICENSE_REVOKED, 'revokedOn', '2024-03-15T00:00:00+08:00', 'format'],
    ['date', RiskListType.ZOMBIE, 'since', 20210101, 'type'],
    ['money', RiskListType.TAX_ARREARS, 'newArrears', '12.345', 'precision'],
    ['money', RiskListType.TAX_ARREARS, 'newArrears', -1, 'negative'],
    ['money', RiskListType.TAX_ARREARS, 'newArrears', 12.5, 'format'],
    ['money', RiskListType.TAX_ARREARS, 'newArrears', '1,000', 'format'],
    ['money', RiskListType.TAX_ARREARS, 'newArrears', true, 'type'],
    ['number', RiskListType.PRODUCTION_HALTED, 'idleLandM2', '12000', 'type'],
    ['number', RiskListType.PRODUCTION_HALTED, 'idleLandM2', -3, 'negative'],
    ['number', RiskListType.PRODUCTION_HALTED, 'idleBuildingsM2', Number.POSITIVE_INFINITY, 'type'],
    ['number', RiskListType.PRODUCTION_HALTED, 'idleBuildingsM2', Number.NaN, 'type'],
    ['positiveInteger', RiskListType.WAGE_ARREARS, 'employeesAffected', 0, 'range'],
    ['positiveInteger', RiskListType.WAGE_ARREARS, 'employeesAffected', -2, 'range'],
    ['positiveInteger', RiskListType.WAGE_ARREARS, 'employeesAffected', 2.5, 'type'],
    ['positiveInteger', RiskListType.WAGE_ARREARS, 'employeesAffected', '86', 'type'],
    ['positiveInteger', RiskListType.LOAN_OVERDUE, 'daysOverdue', 1e20, 'range'],
    ['stringList', RiskListType.TAX_ARREARS, 'taxTypes', [], 'required'],
    ['stringList', RiskListType.TAX_ARREARS, 'taxTypes', '增值税', 'type'],
    ['stringList', RiskListType.TAX_ARREARS, 'taxTypes', ['增值税', 3], 'type'],
    ['stringList', RiskListType.LOAN_OVERDUE, 'lenders', ['山西银行', ' '], 'required'],
    ['usccList', RiskListType.MUTUAL_GUARANTEE_RISK, 'chainMembers', [], 'required'],
    ['usccList', RiskListType.MUTUAL_GUARANTEE_RISK, 'chainMembers', '914403001922038216', 'type'],
    ['usccList', RiskListType.MUTUAL_GUARANTEE_RISK, 'chainMembers', ['914403001922038216', '914403001922038217'], 'check'],
    ['usccList', RiskListType.MUTUAL_GUARANTEE_RISK, 'chainMembers', ['91110000600037341'], 'length'],
    ['usccList', RiskListType.MUTUAL_GUARANTEE_RISK, 'chainMembers', [Number('914403001922038216')], 'type'],
    ['caseNumber', RiskListType.DISHONEST_JUDGMENT_DEBTOR, 'enforcementCaseNumber', '(2024)晋802执123号', 'court'],
    ['caseNumber', RiskListType.DISHONEST_JUDGMENT_DEBTOR, 'enforcementCaseNumber', '2024晋0802执123号', 'bracket'],
    ['caseNumber', RiskListType.DISHONEST_JUDGMENT_DEBTOR, 'enforcementCaseNumber', 123, 'type'],
    ['enum', RiskListType.ABNORMAL_OPERATION, 'reason', 'LATE_REPORT', 'enum'],
    ['enum', RiskListType.DISTRESSED, 'operatingValue', 'medium', 'enum'],
    ['enum', RiskListType.DISHONEST_JUDGMENT_DEBTOR, 'performance', 'FULL', 'enum'],
    ['enum', RiskListType.MUTUAL_GUARANTEE_RISK, 'disposalWillingness', 1, 'type'],
  ];

  it('covers every kind', () => {
    expect(new Set(cases.map(([kind]) => kind))).toEqual(
      new Set(['string', 'date', 'money', 'number', 'positiveInteger', 'stringList', 'usccList', 'caseNumber', 'enum']),
    );
  });

  it.each(cases)('%s: refuses %s.%s = %p (rule %s)', (kind, type, key, value, rule) => {
    expect(LIST_TYPES[type].details[key].kind).toBe(kind);
    const result = checkDetails(type, { ...EXAMPLES[type].input, [key]: value });
    expect(result).toMatchObject({ ok: false, field: `details.${key}`, rule });
    expect(!result.ok && result.message).toContain(`details.${key}`);
  });

  it('says what was expected', () => {
    const date = checkDetails(RiskListType.LICENSE_REVOKED, { revokedOn: '2024/03/15', decisionNumber: 'x' });
    expect(!date.ok && date.message).toContain('YYYY-MM-DD');
    const enumeration = checkDetails(RiskListType.ABNORMAL_OPERATION, { reason: 'LATE', listedOn: '2023-07-01' });
    expect(!enumeration.ok && enumeration.message).toContain('NO_ANNUAL_REPORT, NO_DISCLOSURE, FALSE_DISCLOSURE, UNREACHABLE');
    const element = checkDetails(RiskListType.MUTUAL_GUARANTEE_RISK, { chainMembers: ['914403001922038216', '914403001922038217'] });
    expect(!element.ok && element.message).toContain('element 2');
    const missing = checkDetails(RiskListType.WAGE_ARREARS, {});
    expect(!missing.ok && missing.message).toContain('details.employeesAffected is required for WAGE_ARREARS');
  });

  it('reports the first failure in declaration order', () => {
    const result = checkDetails(RiskListType.DISHONEST_JUDGMENT_DEBTOR, { performance: 'FULL', obligation: 5 });
    expect(result).toMatchObject({ field: 'details.enforcementCaseNumber', rule: 'required' });
    const second = checkDetails(RiskListType.DISHONEST_JUDGMENT_DEBTOR, {
      performance: 'FULL',
      obligation: 5,
      enforcementCaseNumber: '（2024）晋0802执1号',
    });
    expect(second).toMatchObject({ field: 'details.obligation', rule: 'type' });
  });
});

describe('details: normalisation', () => {
  it('canonicalises money given as a string or a whole number', () => {
    expect(checkDetails(RiskListType.TAX_ARREARS, { taxTypes: ['增值税'], newArrears: ' 1200.5 ' })).toEqual({
      ok: true,
      value: { taxTypes: ['增值税'], newArrears: '1200.50' },
    });
    expect(checkDetails(RiskListType.TAX_ARREARS, { taxTypes: ['增值税'], newArrears: 0 })).toEqual({
      ok: true,
      value: { taxTypes: ['增值税'], newArrears: '0.00' },
    });
  });

  it('keeps enforcement case numbers (any type code) in canonical form', () => {
    const result = checkDetails(RiskListType.DISHONEST_JUDGMENT_DEBTOR, {
      enforcementCaseNumber: '（２０２４）晋0802执恢5号',
      obligation: '返还借款',
      performance: 'NONE',
    });
    expect(result).toEqual({
      ok: true,
      value: { enforcementCaseNumber: '（2024）晋0802执恢5号', obligation: '返还借款', performance: 'NONE' },
    });
  });

  it('omits optional keys given as null', () => {
    const result = checkDetails(RiskListType.ZOMBIE, { basis: '长期停产', since: null });
    expect(result).toEqual({ ok: true, value: { basis: '长期停产' } });
    expect(result.ok && 'since' in result.value).toBe(false);
  });

  it('refuses an object that is not plain', () => {
    expect(checkDetails(RiskListType.ZOMBIE, new Date())).toMatchObject({ ok: false, field: 'details' });
    expect(checkDetails(RiskListType.ZOMBIE, new Map([['basis', 'x']]))).toMatchObject({ ok: false, field: 'details' });
  });

  it('accepts an object without a prototype and refuses an inherited-looking key', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { basis: '长期停产' });
    expect(checkDetails(RiskListType.ZOMBIE, bare)).toEqual({ ok: true, value: { basis: '长期停产' } });
    expect(checkDetails(RiskListType.ZOMBIE, JSON.parse('{"basis":"x","__proto__":{"since":"2021-01-01"}}'))).toMatchObject({
      ok: false,
      field: 'details.__proto__',
      rule: 'unknown',
    });
  });
});

describe('amount', () => {
  const byAmount = (kind: 'required' | 'optional' | 'none') => ALL_TYPES.filter((type) => LIST_TYPES[type].amount === kind);

  it('is required for TAX_ARREARS, MUTUAL_GUARANTEE_RISK, WAGE_ARREARS, LOAN_OVERDUE', () => {
    expect(byAmount('required').sort()).toEqual(['LOAN_OVERDUE', 'MUTUAL_GUARANTEE_RISK', 'TAX_ARREARS', 'WAGE_ARREARS']);
    expect(byAmount('optional').sort()).toEqual(['DISHONEST_JUDGMENT_DEBTOR', 'MAJOR_TAX_VIOLATION']);
    expect(byAmount('none')).toHaveLength(7);
    for (const type of ALL_TYPES) {
      expect(LIST_TYPES[type].amountMeaning === null).toBe(LIST_TYPES[type].amount === 'none');
    }
  });

  describe.each(byAmount('required'))('%s (amount required)', (type) => {
    it('takes an amount and canonicalises it', () => {
      expect(checkAmount(type, '12345.6')).toEqual({ ok: true, value: '12345.60' });
      expect(checkAmount(type, '0')).toEqual({ ok: true, value: '0.00' });
    });
    it.each([[null], [undefined]])('refuses a missing amount (%p), saying what it means', (amount) => {
      const result = checkAmount(type, amount);
      expect(result).toMatchObject({ ok: false, field: 'amount', rule: 'required' });
      expect(!result.ok && result.message).toContain(LIST_TYPES[type].amountMeaning!);
    });
    it('refuses a malformed amount with the rule of parseMoney', () => {
      expect(checkAmount(type, '-5')).toMatchObject({ ok: false, field: 'amount', rule: 'negative' });
      expect(checkAmount(type, '1.005')).toMatchObject({ ok: false, field: 'amount', rule: 'precision' });
      const result = checkAmount(type, 'abc');
      expect(result).toMatchObject({ ok: false, field: 'amount', rule: 'format' });
      expect(!result.ok && result.message).toContain('"abc"');
    });
  });

  describe.each(byAmount('optional'))('%s (amount optional)', (type) => {
    it('takes an amount or none', () => {
      expect(checkAmount(type, '800')).toEqual({ ok: true, value: '800.00' });
      expect(checkAmount(type, null)).toEqual({ ok: true, value: null });
      expect(checkAmount(type, undefined)).toEqual({ ok: true, value: null });
    });
    it('refuses a malformed amount', () => {
      expect(checkAmount(type, '1e3')).toMatchObject({ ok: false, field: 'amount', rule: 'format' });
    });
  });

  describe.each(byAmount('none'))('%s (no amount)', (type) => {
    it('takes no amount', () => {
      expect(checkAmount(type, null)).toEqual({ ok: true, value: null });
      expect(checkAmount(type, undefined)).toEqual({ ok: true, value: null });
    });
    it('refuses an amount, saying this list type has none', () => {
      const result = checkAmount(type, '100.00');
      expect(result).toMatchObject({ ok: false, field: 'amount', rule: 'none' });
      expect(!result.ok && result.message).toContain(`${type} (${LIST_TYPES[type].chinese}) has no amount`);
    });
  });
});
