import { bearerKey, generateKey, hashKey, keyHint } from '../../src/access/keys';
import { can, itemRules } from '../../src/access/policies';
import { Principal } from '../../src/access/principal';
import { Role } from '../../src/access/roles';
import { Classification } from '../../src/access/classification';
import { canSeeEnterprise, enterpriseView, mask, mentionFromJson } from '../../src/access/visibility';
import { UnitKind } from '../../src/access/unit-kind';

const unit = (isOffice: boolean) => ({ id: 'u', code: 'U', name: 'n', kind: UnitKind.TAX, regionCode: '140800', isOffice });

describe('keys', () => {
  it('are random, 256-bit, stored as SHA-256 and hinted by their first characters only', () => {
    const key = generateKey();
    expect(key).toMatch(/^fyh_[A-Za-z0-9_-]{43}$/);
    expect(generateKey()).not.toBe(key);
    expect(hashKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(keyHint(key)).toBe(key.slice(0, 8));
    expect(keyHint('custom-admin-key-from-env')).toBe('cust');
  });

  it('come only from a Bearer header', () => {
    expect(bearerKey('Bearer abc')).toBe('abc');
    expect(bearerKey('bearer   abc ')).toBe('abc');
    expect(bearerKey('Basic abc')).toBeUndefined();
    expect(bearerKey('Bearer a b')).toBeUndefined();
    expect(bearerKey(undefined)).toBeUndefined();
  });
});

describe('policies', () => {
  it('administration needs the office and ADMIN', () => {
    expect(can(new Principal(unit(true), [Role.ADMIN], 'c'), 'manageUnits')).toBe(true);
    expect(can(new Principal(unit(false), [Role.ADMIN], 'c'), 'manageUnits')).toBe(false);
    expect(can(new Principal(unit(true), [Role.READ], 'c'), 'manageCredentials')).toBe(false);
  });

  it('personal data needs PERSONAL_DATA, whatever the unit', () => {
    expect(can(new Principal(unit(true), [Role.READ, Role.ADMIN], 'c'), 'seePersonalData')).toBe(false);
    expect(can(new Principal(unit(false), [Role.PERSONAL_DATA], 'c'), 'seePersonalData')).toBe(true);
  });
});

describe('item rules', () => {
  const at = (id: string, kind: UnitKind, isOffice = false) => ({ id, code: id.toUpperCase(), name: id, kind, regionCode: '140800', isOffice });
  const own = at('yc-own', UnitKind.COURT);
  // As the office, as the item's own unit, as another unit.
  const callers = [at('office', UnitKind.OTHER, true), own, at('yc-other', UnitKind.MARKET_REGULATION)].map(
    (unit) => new Principal(unit, [Role.PUBLISH, Role.READ], 'c'),
  );
  const rules: [string, (caller: Principal) => boolean, boolean[]][] = [
    ['actForUnit, the unit named by id', (caller) => itemRules.actForUnit(caller, { id: own.id }), [true, true, false]],
    ['actForUnit, the unit named by code', (caller) => itemRules.actForUnit(caller, { code: own.code }), [true, true, false]],
    ["manageCase, a case of the own unit's court", (caller) => itemRules.manageCase(caller, own.id), [true, true, false]],
    ['numberForAnyCourt', (caller) => itemRules.numberForAnyCourt(caller), [true, false, false]],
    ['seeEveryUnit', (caller) => itemRules.seeEveryUnit(caller), [true, false, false]],
    ["holdAdmin, a credential of the caller's unit", (caller) => itemRules.holdAdmin(caller.unit), [true, false, false]],
    ["deactivate, the caller's unit", (caller) => itemRules.deactivate(caller.unit), [false, true, true]],
    ["renameEnterpriseFromList, published as the caller's unit", (caller) => itemRules.renameEnterpriseFromList(caller.unit), [false, false, true]],
  ];

  it.each(rules)('%s: the office, the own unit, another unit', (_name, rule, answers) => {
    expect(callers.map(rule)).toEqual(answers);
  });
});

describe('masking', () => {
  it('keeps the head and tail of personal data', () => {
    expect(mask('11010519491231002X', 6, 4)).toBe('110105********002X');
    expect(mask('13812345678', 3, 4)).toBe('138****5678');
    expect(mask('12345', 3, 4)).toBe('*****');
    expect(mask(null, 3, 4)).toBeNull();
  });
});

describe('the enterprise visibility rule in memory', () => {
  const tax = new Principal({ id: 'tax', code: 'YC-SWJ', name: 'n', kind: UnitKind.TAX, regionCode: '140800', isOffice: false }, [Role.READ], 'c');
  const bank = new Principal(
    { id: 'bank', code: 'YC-RMYH', name: 'n', kind: UnitKind.PBOC, regionCode: '140800', isOffice: false },
    [Role.READ, Role.PERSONAL_DATA],
    'c',
  );
  const office = new Principal(unit(true), [Role.READ], 'c');
  const record = {
    uscc: '91140802MA00078T4B',
    name: '甲企业市场口径',
    regionCode: '140821',
    contactPhone: '13812345678',
    updatedAt: new Date('2026-12-01T00:00:00Z'),
  };
  const mention = {
    name: '甲企业市场口径',
    regionCode: '140821',
    at: new Date('2026-11-01T00:00:00Z'),
    updatedAt: new Date('2026-11-02T00:00:00Z'),
    classification: Classification.RESTRICTED,
    ownerUnitId: 'market',
    sharedUnitCodes: [],
    sharedKinds: [UnitKind.TAX],
  };

  it('a public enterprise is seen by every unit with its registry facts, personal data masked without PERSONAL_DATA', () => {
    const registered = { ...record, name: '运城市甲测试有限公司', publicSince: new Date('2026-10-01T00:00:00Z') };
    expect(enterpriseView(tax, registered)).toMatchObject({
      name: '运城市甲测试有限公司',
      contactPhone: '138****5678',
      createdAt: registered.publicSince,
    });
    expect(enterpriseView(bank, registered)).toMatchObject({ name: '运城市甲测试有限公司', contactPhone: '13812345678', personalDataMasked: false });
    expect(canSeeEnterprise(bank, registered, [])).toBe(true);
  });

  it('one known only from RESTRICTED rows: seen as the readable row describes it, and not at all by others', () => {
    const hidden = { ...record, publicSince: null };
    expect(canSeeEnterprise(tax, hidden, [mention])).toBe(true);
    expect(canSeeEnterprise(bank, hidden, [mention])).toBe(false);
    expect(enterpriseView(tax, hidden, mention)).toMatchObject({
      name: '甲企业市场口径',
      regionCode: '140821',
      contactPhone: null,
      createdAt: mention.at,
    });
    // A row the caller may not read, handed over by mistake, shows nothing.
    expect(enterpriseView(bank, hidden, mention)).toBeNull();
    expect(enterpriseView(bank, hidden, null)).toBeNull();
    expect(enterpriseView(office, hidden, null)).toMatchObject({ name: '甲企业市场口径' });
  });

  it('reads the JSON of the SQL side', () => {
    const json = {
      name: 'n',
      region_code: '140802',
      at: '2026-11-01T08:00:00.123456+08:00',
      updated_at: '2026-11-02T00:00:00+00:00',
      classification: 'RESTRICTED',
      owner_unit_id: 'u',
      shared_unit_codes: ['YC-SWJ'],
      shared_kinds: [],
    };
    expect(mentionFromJson(json)).toEqual({
      name: 'n',
      regionCode: '140802',
      at: new Date('2026-11-01T00:00:00.123Z'),
      updatedAt: new Date('2026-11-02T00:00:00Z'),
      classification: 'RESTRICTED',
      ownerUnitId: 'u',
      sharedUnitCodes: ['YC-SWJ'],
      sharedKinds: [],
    });
    expect(mentionFromJson(null)).toBeNull();
  });
});
