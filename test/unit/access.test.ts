import { bearerKey, generateKey, hashKey, keyHint } from '../../src/access/keys';
import { can } from '../../src/access/policies';
import { Principal } from '../../src/access/principal';
import { Role } from '../../src/access/roles';
import { mask } from '../../src/access/visibility';
import { UnitKind } from '../../src/modules/units/unit-kind';

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

describe('masking', () => {
  it('keeps the head and tail of personal data', () => {
    expect(mask('11010519491231002X', 6, 4)).toBe('110105********002X');
    expect(mask('13812345678', 3, 4)).toBe('138****5678');
    expect(mask('12345', 3, 4)).toBe('*****');
    expect(mask(null, 3, 4)).toBeNull();
  });
});
