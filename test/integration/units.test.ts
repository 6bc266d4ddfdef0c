import { sql } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.stop());

const CREATE = `mutation($input: CreateUnitInput!) { createUnit(input: $input) { id code name kind regionCode isOffice active } }`;
const UPDATE = `mutation($input: UpdateUnitInput!) { updateUnit(input: $input) { code name kind regionCode active } }`;

describe('member units', () => {
  it('the first start created the office, which me reports with every role', async () => {
    const me = await t.gql(`{ me { unit { code isOffice active } roles credential { label status keyHint } } }`);
    expect(me.errors).toBeUndefined();
    expect(me.data.me.unit).toEqual({ code: 'OFFICE', isOffice: true, active: true });
    expect(me.data.me.roles.sort()).toEqual(['ADMIN', 'ANALYZE', 'PERSONAL_DATA', 'PUBLISH', 'READ', 'SUBSCRIBE']);
    expect(me.data.me.credential).toEqual({ label: 'HUB_ADMIN_KEY', status: 'ACTIVE', keyHint: t.adminKey.slice(0, 4) });
  });

  it('createUnit admits a unit, upper-casing its code', async () => {
    const result = await t.gql(CREATE, { input: { code: 'yc-tax', kind: 'TAX', name: '运城市税务局', regionCode: '140800' } });
    expect(result.errors).toBeUndefined();
    expect(result.data.createUnit).toMatchObject({ code: 'YC-TAX', name: '运城市税务局', kind: 'TAX', regionCode: '140800', isOffice: false, active: true });
  });

  it('refuses a duplicate code with CONFLICT and writes nothing', async () => {
    const result = await t.gql(CREATE, { input: { code: 'YC-TAX', kind: 'COURT', name: '重复', regionCode: '140800' } });
    expect(result.errors?.[0].extensions?.code).toBe('CONFLICT');
    const units = await t.gql(`{ units(first: 100) { edges { node { code kind } } } }`);
    expect(units.data.units.edges.filter((e: any) => e.node.code === 'YC-TAX')).toEqual([{ node: { code: 'YC-TAX', kind: 'TAX' } }]);
  });

  it.each([
    [{ code: 'x', kind: 'TAX', name: 'n', regionCode: '140800' }, 'code'],
    [{ code: 'YC TAX', kind: 'TAX', name: 'n', regionCode: '140800' }, 'code'],
    [{ code: 'YC-A', kind: 'TAX', name: '  ', regionCode: '140800' }, 'name'],
  ])('refuses bad input %j naming the field', async (input, field) => {
    const result = await t.gql(CREATE, { input });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('refuses an invalid region code with BAD_USER_INPUT naming the rule', async () => {
    const result = await t.gql(CREATE, { input: { code: 'YC-B', kind: 'TAX', name: 'n', regionCode: '990800' } });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'province' });
    expect(result.errors?.[0].message).toContain('province');
  });

  it('updateUnit renames and changes the kind; omitted fields stay', async () => {
    const result = await t.gql(UPDATE, { input: { code: 'YC-TAX', name: '国家税务总局运城市税务局' } });
    expect(result.data.updateUnit).toEqual({ code: 'YC-TAX', name: '国家税务总局运城市税务局', kind: 'TAX', regionCode: '140800', active: true });
  });

  it('updateUnit of an unknown unit is NOT_FOUND', async () => {
    const result = await t.gql(UPDATE, { input: { code: 'NOPE', name: 'x' } });
    expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses to deactivate the office', async () => {
    const result = await t.gql(UPDATE, { input: { code: 'OFFICE', active: false } });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'active' });
    const me = await t.gql(`{ me { unit { active } } }`);
    expect(me.data.me.unit.active).toBe(true);
  });

  it('deactivating a unit stops its keys at once; reactivating restores them', async () => {
    const key = await t.keyFor('YC-COURT', ['READ'], 'COURT');
    expect((await t.gql(`{ me { unit { code } } }`, {}, key)).data.me.unit.code).toBe('YC-COURT');
    await t.gql(UPDATE, { input: { code: 'YC-COURT', active: false } });
    const refused = await t.gql(`{ me { unit { code } } }`, {}, key);
    expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.errors?.[0].message).toContain('deactivated');
    await t.gql(UPDATE, { input: { code: 'YC-COURT', active: true } });
    expect((await t.gql(`{ me { unit { code } } }`, {}, key)).data.me.unit.code).toBe('YC-COURT');
  });

  it('units pages by code with cursors, filters and totalCount', async () => {
    for (const code of ['P-A', 'P-B', 'P-C']) await t.keyFor(code, ['READ'], 'PBOC');
    const first = await t.gql(`{ units(first: 2, filter: { kind: PBOC }) { totalCount edges { cursor node { code } } pageInfo { hasNextPage endCursor } } }`);
    expect(first.data.units.totalCount).toBe(3);
    expect(first.data.units.edges.map((e: any) => e.node.code)).toEqual(['P-A', 'P-B']);
    expect(first.data.units.pageInfo.hasNextPage).toBe(true);
    const next = await t.gql(`query($after: String) { units(first: 2, after: $after, filter: { kind: PBOC }) { edges { node { code } } pageInfo { hasNextPage } } }`, {
      after: first.data.units.pageInfo.endCursor,
    });
    expect(next.data.units.edges.map((e: any) => e.node.code)).toEqual(['P-C']);
    expect(next.data.units.pageInfo.hasNextPage).toBe(false);
  });

  it('a malformed cursor is BAD_USER_INPUT; a page over MAX_PAGE_SIZE is LIMIT_EXCEEDED', async () => {
    const bad = await t.gql(`{ units(after: "not-a-cursor") { totalCount } }`);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const big = await t.gql(`{ units(first: 100000) { totalCount } }`);
    expect(big.errors?.[0].extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'MAX_PAGE_SIZE', value: 500 });
  });

  it('a member unit with READ sees the units but may not create one (FORBIDDEN)', async () => {
    const key = await t.keyFor('YC-MR', ['READ', 'PUBLISH'], 'MARKET_REGULATION');
    const list = await t.gql(`{ units { totalCount } }`, {}, key);
    expect(list.data.units.totalCount).toBeGreaterThan(1);
    const result = await t.gql(CREATE, { input: { code: 'EVIL', kind: 'TAX', name: 'n', regionCode: '140800' } }, key);
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0].message).toContain('ADMIN');
  });

  it('every administrative act is in the hash-chained audit trail', async () => {
    const rows = await sql<{ action: string; prev_hash: string; hash: string }>(
      t.databaseUrl,
      'select action, prev_hash, hash from audit_record order by id',
    );
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['unit.create', 'unit.update', 'unit.deactivate', 'credential.issue']));
    rows.forEach((row, i) => expect(row.prev_hash).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1].hash));
    await expect(sql(t.databaseUrl, 'delete from audit_record')).rejects.toThrow(/append-only/);
  });
});
