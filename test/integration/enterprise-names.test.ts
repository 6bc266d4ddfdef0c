/**
 * Whose name and region an enterprise carries (issue 10 item 5): they change only through registerEnterprise (the
 * office) and SHARED publications of a MARKET_REGULATION unit (the office publishing for one counts as it); a SHARED
 * row of another unit makes an enterprise known only from RESTRICTED rows public under its name, and changes nothing
 * else; a RESTRICTED row changes nothing of the enterprise. The write paths: publications, registerCase, updateCase,
 * registerEnterprise — with the office, market regulation, the tax bureau, a court and the central bank (which reads
 * no RESTRICTED row here).
 */
import { randomUUID } from 'node:crypto';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { sql } from '../support/db';
import { startTestHub, type GqlResult, type TestHub } from '../support/hub';

let t: TestHub;
const keys: Record<string, string> = {};
const code = (n: number) => {
  const first17 = `91140802MA0T${String(n).padStart(5, '0')}`;
  return first17 + usccCheckCharacter(first17);
};

beforeAll(async () => {
  t = await startTestHub();
  keys.OFFICE = t.adminKey;
  keys.MARKET = await t.keyFor('YC-SCJG', ['PUBLISH', 'READ'], 'MARKET_REGULATION');
  keys.TAX = await t.keyFor('YC-SWJ', ['PUBLISH', 'READ'], 'TAX');
  keys.COURT = await t.keyFor('YC-ZY', ['PUBLISH', 'READ'], 'COURT', '晋08');
  keys.PBOC = await t.keyFor('YC-RMYH', ['READ'], 'PBOC');
});
afterAll(() => t?.stop());

async function ok(query: string, variables: Record<string, unknown>, key: string): Promise<GqlResult> {
  const result = await t.gql(query, variables, key);
  expect(result.errors).toBeUndefined();
  return result;
}

async function publish(key: string, input: Record<string, unknown>) {
  const result = await ok(
    `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed rejected { message } } }`,
    {
      input: { mode: 'DELTA', idempotencyKey: randomUUID(), ...input },
    },
    key,
  );
  expect(result.data.publishRiskList).toEqual({ committed: true, rejected: [] });
}
const revoked = (uscc: string, enterpriseName: string, extra: Record<string, unknown> = {}) => ({
  uscc,
  enterpriseName,
  riskLevel: 'RED',
  categories: ['LEGAL'],
  details: { revokedOn: '2026-10-01', decisionNumber: `运市监吊字〔2026〕${uscc.slice(-5)}号` },
  ...extra,
});
const arrears = (uscc: string, enterpriseName: string, extra: Record<string, unknown> = {}) => ({
  uscc,
  enterpriseName,
  riskLevel: 'ORANGE',
  categories: ['FINANCIAL'],
  amount: `${Math.floor(Math.random() * 1e6)}.00`,
  details: { taxTypes: ['增值税'] },
  ...extra,
});

/** The enterprise as `key`'s unit sees it (null: it does not exist for the unit), and as stored. */
async function seen(uscc: string, key: string) {
  return (await ok(`query($u: USCC!) { enterprise(uscc: $u) { name regionCode } }`, { u: uscc }, key)).data.enterprise;
}
async function stored(uscc: string) {
  const [row] = await sql<{ name: string; region_code: string; public: boolean }>(
    t.databaseUrl,
    'select name, region_code, public_since is not null as public from enterprise where uscc = $1',
    [uscc],
  );
  return row;
}
async function register(input: Record<string, unknown>) {
  return t.gql(
    `mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { created enterprise { name regionCode } } }`,
    { input },
    keys.OFFICE,
  );
}
async function registerCase(input: Record<string, unknown>): Promise<{ id: string; version: number }> {
  return (
    await ok(
      `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id version } }`,
      { input: { procedure: 'LIQUIDATION', appliedOn: '2026-11-02', ...input } },
      keys.COURT,
    )
  ).data.registerCase;
}

describe('publications', () => {
  it('the registered name survives a SHARED publication of another unit (and one by the office for it)', async () => {
    const a = code(1);
    expect((await register({ uscc: a, name: '运城市甲测试有限公司' })).errors).toBeUndefined();
    await publish(keys.TAX, { listType: 'TAX_ARREARS', entries: [arrears(a, '税务口径甲公司', { regionCode: '140821' })] });
    await publish(keys.OFFICE, { listType: 'TAX_ARREARS', publisher: 'YC-SWJ', entries: [arrears(a, '办公室代税务口径甲公司')] });
    expect(await stored(a)).toEqual({ name: '运城市甲测试有限公司', region_code: '140802', public: true });
    for (const key of [keys.PBOC, keys.TAX, keys.OFFICE]) expect(await seen(a, key)).toEqual({ name: '运城市甲测试有限公司', regionCode: '140802' });
  });

  it('a SHARED publication of market regulation renames and moves it, the office publishing for it too; RESTRICTED ones do not', async () => {
    const a = code(2);
    expect((await register({ uscc: a, name: '运城市乙测试有限公司' })).errors).toBeUndefined();
    await publish(keys.MARKET, {
      listType: 'LICENSE_REVOKED',
      classification: 'RESTRICTED',
      sharedWithKinds: ['TAX'],
      entries: [revoked(a, '市监限定口径')],
    });
    await publish(keys.OFFICE, {
      listType: 'LICENSE_REVOKED',
      publisher: 'YC-SCJG',
      classification: 'RESTRICTED',
      entries: [revoked(a, '办公室代市监限定口径')],
    });
    expect(await stored(a)).toMatchObject({ name: '运城市乙测试有限公司', region_code: '140802' });

    await publish(keys.MARKET, {
      listType: 'ABNORMAL_OPERATION',
      entries: [
        {
          uscc: a,
          enterpriseName: '运城市乙测试有限公司（更名）',
          regionCode: '140821',
          riskLevel: 'BLUE',
          categories: ['MANAGEMENT'],
          details: { reason: 'NO_ANNUAL_REPORT', listedOn: '2026-09-01' },
        },
      ],
    });
    expect(await stored(a)).toMatchObject({ name: '运城市乙测试有限公司（更名）', region_code: '140821' });
    expect(await seen(a, keys.PBOC)).toEqual({ name: '运城市乙测试有限公司（更名）', regionCode: '140821' });

    await publish(keys.OFFICE, {
      listType: 'SERIOUS_VIOLATION',
      publisher: 'YC-SCJG',
      entries: [
        {
          uscc: a,
          enterpriseName: '办公室代市监更正名',
          riskLevel: 'RED',
          categories: ['LEGAL'],
          details: { reason: '虚假登记', decidedOn: '2026-09-02' },
        },
      ],
    });
    expect(await seen(a, keys.PBOC)).toEqual({ name: '办公室代市监更正名', regionCode: '140821' });
  });

  it('an enterprise first named by a RESTRICTED row is not public; a SHARED row of any unit makes it public under its own name and region', async () => {
    const b = code(3);
    await publish(keys.MARKET, {
      listType: 'LICENSE_REVOKED',
      classification: 'RESTRICTED',
      sharedWithKinds: ['TAX'],
      entries: [revoked(b, '市监限定口径丙', { regionCode: '140821' })],
    });
    expect(await stored(b)).toEqual({ name: '市监限定口径丙', region_code: '140821', public: false });
    expect(await seen(b, keys.PBOC)).toBeNull();
    expect(await seen(b, keys.TAX)).toEqual({ name: '市监限定口径丙', regionCode: '140821' });
    // The tax bureau's own row without a region takes the USCC's division digits, not market regulation's word.
    await publish(keys.TAX, { listType: 'TAX_ARREARS', entries: [arrears(b, '税务共享口径丙')] });
    const [entry] = await sql<{ region_code: string }>(
      t.databaseUrl,
      `select region_code from risk_entry where uscc = $1 and list_type = 'TAX_ARREARS'`,
      [b],
    );
    expect(entry.region_code).toBe('140802');
    expect(await stored(b)).toEqual({ name: '税务共享口径丙', region_code: '140802', public: true });
    for (const key of [keys.PBOC, keys.TAX, keys.MARKET]) expect(await seen(b, key)).toEqual({ name: '税务共享口径丙', regionCode: '140802' });
    // Public from now on: a later SHARED row of the tax bureau no longer renames it.
    await publish(keys.TAX, { listType: 'TAX_ARREARS', entries: [arrears(b, '税务又一口径丙')] });
    expect(await stored(b)).toMatchObject({ name: '税务共享口径丙' });
  });

  it('a publication counts the enterprises it made public or renamed in its audit record', async () => {
    const [fresh, known] = [code(4), code(5)];
    await publish(keys.TAX, { listType: 'TAX_ARREARS', classification: 'RESTRICTED', entries: [arrears(known, '税务限定口径')] });
    await publish(keys.TAX, {
      listType: 'MAJOR_TAX_VIOLATION',
      entries: [
        { uscc: known, enterpriseName: '税务共享口径', riskLevel: 'RED', categories: ['LEGAL'], details: { violationType: '偷税' } },
        { uscc: fresh, enterpriseName: '新企业', riskLevel: 'RED', categories: ['LEGAL'], details: { violationType: '偷税' } },
      ],
    });
    const [audit] = await sql<{ detail: any }>(
      t.databaseUrl,
      `select detail from audit_record where action = 'riskList.publish' order by id desc limit 1`,
    );
    expect(audit.detail).toMatchObject({ enterprisesCreated: 1, enterprisesRenamed: 1 });
  });
});

describe('cases', () => {
  it("a RESTRICTED case's unknown debtor exists only with the case; made SHARED, the case makes it public under the court's name", async () => {
    const d = code(10);
    const registered = await registerCase({
      caseNumber: '（2026）晋08破申201号',
      debtorUscc: d,
      debtorName: '法院限定口径丁',
      sensitive: true,
      regionCode: '140821',
    });
    expect(await stored(d)).toEqual({ name: '法院限定口径丁', region_code: '140821', public: false });
    expect(await seen(d, keys.PBOC)).toBeNull();
    expect(await seen(d, keys.TAX)).toBeNull();
    expect(
      (await ok(`{ enterprises(first: 500) { totalCount edges { node { uscc } } } }`, {}, keys.PBOC)).data.enterprises.edges.map(
        (edge: any) => edge.node.uscc,
      ),
    ).not.toContain(d);
    const edited = await ok(
      `mutation($input: UpdateCaseInput!) { updateCase(input: $input) { classification } }`,
      {
        input: { caseId: registered.id, expectedVersion: registered.version, classification: 'SHARED', debtorName: '法院共享口径丁' },
      },
      keys.COURT,
    );
    expect(edited.data.updateCase.classification).toBe('SHARED');
    expect(await stored(d)).toEqual({ name: '法院共享口径丁', region_code: '140821', public: true });
    expect(await seen(d, keys.PBOC)).toEqual({ name: '法院共享口径丁', regionCode: '140821' });
  });

  it('a SHARED case keeps the name it gives for itself once the debtor is public', async () => {
    const d = code(11);
    expect((await register({ uscc: d, name: '登记名戊' })).errors).toBeUndefined();
    const registered = await registerCase({ caseNumber: '（2026）晋08破申202号', debtorUscc: d, debtorName: '法院口径戊', regionCode: '140821' });
    expect(await stored(d)).toEqual({ name: '登记名戊', region_code: '140802', public: true });
    const read = await ok(`query($id: ID) { case(id: $id) { debtorName regionCode debtor { name regionCode } } }`, { id: registered.id }, keys.PBOC);
    expect(read.data.case).toEqual({ debtorName: '法院口径戊', regionCode: '140821', debtor: { name: '登记名戊', regionCode: '140802' } });
  });
});

describe('registerEnterprise', () => {
  it('registering one known only from RESTRICTED rows needs a name (nothing written otherwise) and never takes their region', async () => {
    const e = code(20);
    await publish(keys.MARKET, {
      listType: 'LICENSE_REVOKED',
      classification: 'RESTRICTED',
      entries: [revoked(e, '市监限定口径己', { regionCode: '140821' })],
    });
    const before = await sql(
      t.databaseUrl,
      `select (select count(*) from audit_record)::int as audit, (select md5(e::text) from enterprise e where uscc = $1) as row`,
      [e],
    );
    const refused = await register({ uscc: e, industry: '制造业' });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name', rule: 'required' });
    expect(
      await sql(
        t.databaseUrl,
        `select (select count(*) from audit_record)::int as audit, (select md5(e::text) from enterprise e where uscc = $1) as row`,
        [e],
      ),
    ).toEqual(before);
    expect(await seen(e, keys.PBOC)).toBeNull();

    const done = await register({ uscc: e, name: '运城市己测试有限公司' });
    expect(done.errors).toBeUndefined();
    expect(done.data.registerEnterprise).toEqual({ created: false, enterprise: { name: '运城市己测试有限公司', regionCode: '140802' } });
    expect(await seen(e, keys.PBOC)).toEqual({ name: '运城市己测试有限公司', regionCode: '140802' });
    const [audit] = await sql<{ action: string; detail: any }>(
      t.databaseUrl,
      `select action, detail from audit_record where entity_id = $1 order by id desc limit 1`,
      [e],
    );
    expect(audit).toEqual({ action: 'enterprise.register', detail: { name: '运城市己测试有限公司', regionCode: '140802' } });
  });
});
