import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Unit } from '../../src/modules/units/unit.entity';
import { itWithServer, sql, TEST_AUDIT_KEY } from '../support/db';
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
    expect(result.data.createUnit).toMatchObject({
      code: 'YC-TAX',
      name: '运城市税务局',
      kind: 'TAX',
      regionCode: '140800',
      isOffice: false,
      active: true,
    });
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

  it("a unit's code never changes: updateUnit can name none, the ORM refuses a write that would; nothing is written", async () => {
    const codes = async () => (await sql<{ code: string }>(t.databaseUrl, 'select code from unit order by code')).map((row) => row.code);
    const before = await codes();
    const literal = await t.gql(`mutation { updateUnit(input: { code: "YC-TAX", newCode: "YC-TAX2" }) { code } }`);
    expect(literal.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const variables = await t.gql(UPDATE, { input: { code: 'YC-TAX', newCode: 'YC-TAX2' } });
    expect(variables.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    // Below the API: any write through the ORM that changes a code is refused, and its transaction rolls back.
    const em = t.hub.db.orm.em.fork();
    const refused = await em
      .transactional(async (tx) => {
        const unit = await tx.findOneOrFail(Unit, { code: 'YC-TAX' });
        unit.name = '同一事务里的改名';
        unit.code = 'YC-TAX2';
      })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'code', rule: 'immutable' } });
    expect(await codes()).toEqual(before);
    expect((await sql<{ name: string }>(t.databaseUrl, "select name from unit where code = 'YC-TAX'"))[0].name).toBe('国家税务总局运城市税务局');
  });

  itWithServer("the command line's unit update has no option for a new code: a usage error before the database is touched", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: t.databaseUrl, AUDIT_KEY: TEST_AUDIT_KEY, LOG_LEVEL: 'warn' };
    for (const name of Object.keys(env)) if (/^(DATA_DIR|HUB_|PORT$|HOST$)/.test(name)) delete env[name];
    const cli = path.resolve(__dirname, '../../dist/src/main.js');
    const usage = await promisify(execFile)(process.execPath, [cli, 'unit', 'update', '--code', 'YC-TAX', '--new-code', 'YC-TAX2'], { env }).catch(
      (error) => error,
    );
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/^fuyuan-hub: Unknown option '--new-code'/);
    expect(await sql(t.databaseUrl, "select 1 from unit where code = 'YC-TAX2'")).toEqual([]);
  });

  it('updateUnit writes the change to the change log in its transaction (UNIT, the office only); an update that changes nothing or is refused writes none', async () => {
    const events = async () =>
      sql<{ topic: string; kind: string; payload: any; classification: string; shared_unit_codes: string[]; shared_kinds: string[] }>(
        t.databaseUrl,
        "select e.topic, e.kind, e.payload, e.classification, e.shared_unit_codes, e.shared_kinds from change_event e join change_commit c on c.tx_id = e.tx_id where e.topic = 'UNIT' order by c.seq, e.ordinal",
      );
    const before = (await events()).length;
    await t.gql(UPDATE, { input: { code: 'YC-TAX', name: '国家税务总局运城市税务局' } }); // the same name: nothing changes
    expect((await t.gql(UPDATE, { input: { code: 'OFFICE', active: false } })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await t.gql(UPDATE, { input: { code: 'YC-TAX', regionCode: '990800' } })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await events()).toHaveLength(before);
    await t.gql(UPDATE, { input: { code: 'YC-TAX', kind: 'COURT', regionCode: '140802' } });
    await t.gql(UPDATE, { input: { code: 'YC-TAX', active: false } });
    await t.gql(UPDATE, { input: { code: 'YC-TAX', active: true, kind: 'TAX' } });
    const written = (await events()).slice(before);
    expect(written.map((e) => [e.kind, e.payload.kind, e.payload.regionCode, e.payload.active, e.payload.changed])).toEqual([
      ['UPDATED', 'COURT', '140802', true, ['kind', 'regionCode']],
      ['DEACTIVATED', 'COURT', '140802', false, ['active']],
      ['REACTIVATED', 'TAX', '140802', true, ['kind', 'active']],
    ]);
    for (const e of written)
      expect(e).toMatchObject({ classification: 'RESTRICTED', shared_unit_codes: [], shared_kinds: [], payload: { code: 'YC-TAX' } });
  });

  it('units pages by code with cursors, filters and totalCount', async () => {
    for (const code of ['P-A', 'P-B', 'P-C']) await t.keyFor(code, ['READ'], 'PBOC');
    const first = await t.gql(
      `{ units(first: 2, filter: { kind: PBOC }) { totalCount edges { cursor node { code } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(first.data.units.totalCount).toBe(3);
    expect(first.data.units.edges.map((e: any) => e.node.code)).toEqual(['P-A', 'P-B']);
    expect(first.data.units.pageInfo.hasNextPage).toBe(true);
    const next = await t.gql(
      `query($after: String) { units(first: 2, after: $after, filter: { kind: PBOC }) { edges { node { code } } pageInfo { hasNextPage } } }`,
      {
        after: first.data.units.pageInfo.endCursor,
      },
    );
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
