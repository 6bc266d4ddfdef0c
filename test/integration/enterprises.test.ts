import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { sql } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.stop());

const FIELDS = 'uscc name regionCode industry legalRepresentative legalRepresentativeIdNumber contactPhone personalDataMasked';
const REGISTER = `mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { created enterprise { ${FIELDS} } } }`;
const ONE = `query($uscc: USCC!) { enterprise(uscc: $uscc) { ${FIELDS} } }`;
const LIST = `query($filter: EnterpriseFilter, $first: Int, $after: String) {
  enterprises(filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { ${FIELDS} } } pageInfo { hasNextPage endCursor }
  }
}`;

/** A valid USCC from its first 17 characters. */
const uscc = (first17: string) => {
  expect(first17).toHaveLength(17);
  return first17 + usccCheckCharacter(first17);
};
/** A valid USCC registered in 盐湖区 (division 140802), numbered `n`. */
const yanhu = (n: number) => uscc(`91140802MA0K${String(n).padStart(5, '0')}`);

/** A valid resident ID (GB 11643) and a mobile number, with their masked forms. */
const ID_NUMBER = '11010519491231002X';
const ID_MASKED = '110105********002X';
const PHONE = '13812345678';
const PHONE_MASKED = '138****5678';

async function register(input: Record<string, unknown>, key?: string) {
  return t.gql(REGISTER, { input }, key);
}

/** Registers or corrects, failing the test on any error. */
async function registered(input: Record<string, unknown>): Promise<{ created: boolean; enterprise: any }> {
  const result = await register(input);
  expect(result.errors).toBeUndefined();
  return result.data.registerEnterprise;
}

async function fetchOne(code: string, key?: string) {
  const result = await t.gql(ONE, { uscc: code }, key);
  expect(result.errors).toBeUndefined();
  return result.data.enterprise;
}

async function list(variables: Record<string, unknown>, key?: string) {
  return t.gql(LIST, variables, key);
}

const usccsOf = (result: any): string[] => result.data.enterprises.edges.map((edge: any) => edge.node.uscc);

async function counts(): Promise<{ enterprises: number; audit: number }> {
  const [row] = await sql<{ e: string; a: string }>(
    t.databaseUrl,
    'select (select count(*) from enterprise) as e, (select count(*) from audit_record) as a',
  );
  return { enterprises: Number(row.e), audit: Number(row.a) };
}

describe('registering and correcting an enterprise', () => {
  it('registers a new enterprise (created: true) with every field', async () => {
    const code = yanhu(1);
    const result = await registered({
      uscc: code,
      name: '运城盐湖化工有限公司',
      industry: '化学原料和化学制品制造业',
      legalRepresentative: '张三',
      legalRepresentativeIdNumber: ID_NUMBER,
      contactPhone: PHONE,
    });
    expect(result).toEqual({
      created: true,
      enterprise: {
        uscc: code,
        name: '运城盐湖化工有限公司',
        regionCode: '140802',
        industry: '化学原料和化学制品制造业',
        legalRepresentative: '张三',
        legalRepresentativeIdNumber: ID_NUMBER,
        contactPhone: PHONE,
        personalDataMasked: false,
      },
    });
    expect(await fetchOne(code)).toEqual(result.enterprise);
  });

  it('a second call corrects (created: false): omitted fields keep their value, null clears optional ones', async () => {
    const code = yanhu(2);
    await registered({
      uscc: code,
      name: '盐湖纺织厂',
      regionCode: '140821',
      industry: '纺织业',
      legalRepresentative: '李四',
      legalRepresentativeIdNumber: ID_NUMBER,
      contactPhone: PHONE,
    });

    const renamed = await registered({ uscc: code, name: '运城盐湖纺织有限公司' });
    expect(renamed.created).toBe(false);
    expect(renamed.enterprise).toMatchObject({
      name: '运城盐湖纺织有限公司',
      regionCode: '140821',
      industry: '纺织业',
      legalRepresentative: '李四',
      legalRepresentativeIdNumber: ID_NUMBER,
      contactPhone: PHONE,
    });

    const cleared = await registered({
      uscc: code,
      industry: null,
      legalRepresentative: null,
      legalRepresentativeIdNumber: null,
      contactPhone: null,
    });
    expect(cleared.created).toBe(false);
    const expected = {
      uscc: code,
      name: '运城盐湖纺织有限公司',
      regionCode: '140821',
      industry: null,
      legalRepresentative: null,
      legalRepresentativeIdNumber: null,
      contactPhone: null,
      personalDataMasked: false,
    };
    expect(cleared.enterprise).toEqual(expected);
    expect(await fetchOne(code)).toEqual(expected);
    const [row] = await sql(
      t.databaseUrl,
      'select industry, legal_representative, legal_representative_id_number, contact_phone from enterprise where uscc = $1',
      [code],
    );
    expect(row).toEqual({ industry: null, legal_representative: null, legal_representative_id_number: null, contact_phone: null });
  });

  it('a correction may move the region explicitly', async () => {
    const code = yanhu(3);
    await registered({ uscc: code, name: '盐湖搬迁企业' });
    const moved = await registered({ uscc: code, regionCode: '140881' });
    expect(moved).toMatchObject({ created: false, enterprise: { regionCode: '140881', name: '盐湖搬迁企业' } });
  });

  it.each(['name', 'regionCode'])('%s cannot be cleared (BAD_USER_INPUT) and the enterprise stays as it was', async (field) => {
    const code = yanhu(field === 'name' ? 4 : 5);
    const before = await registered({ uscc: code, name: '不可清空有限公司', industry: '批发业' });
    const { audit } = await counts();
    const result = await register({ uscc: code, [field]: null, industry: '零售业' });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(result.data).toBeNull();
    expect(await fetchOne(code)).toEqual(before.enterprise);
    expect((await counts()).audit).toBe(audit);
  });

  it('a blank name is refused like a missing one', async () => {
    const code = yanhu(6);
    await registered({ uscc: code, name: '空白名称测试' });
    const result = await register({ uscc: code, name: '   ' });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    expect((await fetchOne(code)).name).toBe('空白名称测试');
  });

  it('a new enterprise without a name: BAD_USER_INPUT naming name, nothing written', async () => {
    const before = await counts();
    const code = yanhu(7);
    for (const input of [{ uscc: code }, { uscc: code, name: null, industry: '采矿业' }, { uscc: code, name: '  ' }]) {
      const result = await register(input);
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    }
    expect(await fetchOne(code)).toBeNull();
    expect(await counts()).toEqual(before);
  });

  it('concurrent registrations of one new USCC create it once; the others become corrections', async () => {
    const code = yanhu(8);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => register({ uscc: code, name: `并发登记 ${i}` })));
    const outcomes = results.map((r) => r.errors?.[0].extensions?.code ?? (r.data.registerEnterprise.created ? 'created' : 'corrected'));
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'corrected')).toHaveLength(5);
    const [row] = await sql<{ n: string }>(t.databaseUrl, 'select count(*) as n from enterprise where uscc = $1', [code]);
    expect(Number(row.n)).toBe(1);
    const audits = await sql<{ action: string }>(t.databaseUrl, 'select action from audit_record where entity_id = $1 order by id', [code]);
    expect(audits.filter((a) => a.action === 'enterprise.register')).toHaveLength(1);
    expect(audits).toHaveLength(6);
  });

  it('regionCode null on a new enterprise means the default (the USCC division digits)', async () => {
    const code = yanhu(9);
    const result = await register({ uscc: code, name: '默认区划', regionCode: null });
    expect(result.errors).toBeUndefined();
    expect(result.data.registerEnterprise.enterprise.regionCode).toBe('140802');
  });
});

describe('the region of an enterprise', () => {
  it("defaults to the USCC's division digits (positions 3–8)", async () => {
    const code = uscc('91370323MA0K00001');
    const result = await registered({ uscc: code, name: '沂源默认区划有限公司' });
    expect(result.enterprise.regionCode).toBe('370323');
  });

  it("an explicit regionCode wins over the USCC's division digits", async () => {
    const code = uscc('91370323MA0K00002');
    const result = await registered({ uscc: code, name: '沂源注册运城经营有限公司', regionCode: '140802' });
    expect(result.enterprise.regionCode).toBe('140802');
    expect((await fetchOne(code)).regionCode).toBe('140802');
  });

  it('division digits that are no region code and no regionCode given: BAD_USER_INPUT naming regionCode, nothing written', async () => {
    const code = uscc('91100000MA0K00001');
    const before = await counts();
    const result = await register({ uscc: code, name: '区划无效有限公司' });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'regionCode' });
    expect(result.errors?.[0].message).toContain('100000');
    expect(await fetchOne(code)).toBeNull();
    expect(await counts()).toEqual(before);
    // Given explicitly, the region makes the same registration valid.
    const fixed = await registered({ uscc: code, name: '区划无效有限公司', regionCode: '140802' });
    expect(fixed).toMatchObject({ created: true, enterprise: { uscc: code, regionCode: '140802' } });
  });

  it.each([
    ['990800', 'province'],
    ['14080', 'length'],
    ['1408A0', 'character'],
    ['140012', 'division'],
  ])('an invalid regionCode %s: BAD_USER_INPUT (rule %s), nothing written', async (regionCode, rule) => {
    const code = yanhu(10);
    const asVariable = await register({ uscc: code, name: '无效区划', regionCode });
    expect(asVariable.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule });
    const inline = await t.gql(
      `mutation { registerEnterprise(input: { uscc: "${code}", name: "无效区划", regionCode: "${regionCode}" }) { created } }`,
    );
    expect(inline.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule });
    expect(await fetchOne(code)).toBeNull();
  });
});

describe('USCC validation', () => {
  const vectors: [string, string, RegExp][] = [
    ['914403001922038217', 'check', /check character/],
    ['914403001922038126', 'check', /check character/],
    ['91140800MAIK12348C', 'character', /"I" at position 11.*character set/],
    ['9114A800MA0K123488', 'division', /division/],
    ['91440300192203821', 'length', /18 characters.*17/],
    ['9144030019220382166', 'length', /18 characters.*19/],
  ];

  it.each(vectors)('%s as a variable: BAD_USER_INPUT, rule %s, the message says which rule failed', async (code, rule, message) => {
    for (const result of [await t.gql(ONE, { uscc: code }), await register({ uscc: code, name: '无效代码' })]) {
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule });
      expect(result.errors?.[0].message).toMatch(message);
    }
  });

  it.each(vectors)('%s as an inline literal: BAD_USER_INPUT, rule %s, the message says which rule failed', async (code, rule, message) => {
    const queries = [
      `{ enterprise(uscc: "${code}") { name } }`,
      `mutation { registerEnterprise(input: { uscc: "${code}", name: "无效代码" }) { created } }`,
    ];
    for (const query of queries) {
      const result = await t.gql(query);
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule });
      expect(result.errors?.[0].message).toMatch(message);
    }
  });

  it('nothing is written for an invalid USCC', async () => {
    const before = await counts();
    await register({ uscc: '914403001922038217', name: '无效代码' });
    await t.gql(`mutation { registerEnterprise(input: { uscc: "9114A800MA0K123488", name: "无效代码" }) { created } }`);
    expect(await counts()).toEqual(before);
  });

  it('enterprise(uscc) of an unknown but valid USCC is null', async () => {
    for (const code of ['91110000600037341L', '911408001000007370']) {
      const result = await t.gql(ONE, { uscc: code });
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ enterprise: null });
    }
  });

  it('trims and upper-cases the USCC, on registration and lookup', async () => {
    const code = uscc('91140802MA0KX0001');
    const lower = `  ${code.toLowerCase()}\t`;
    const result = await registered({ uscc: lower, name: '大小写测试有限公司' });
    expect(result.enterprise.uscc).toBe(code);
    expect((await fetchOne(lower)).uscc).toBe(code);
    const inline = await t.gql(`{ enterprise(uscc: " ${code.toLowerCase()} ") { uscc name } }`);
    expect(inline.data.enterprise).toEqual({ uscc: code, name: '大小写测试有限公司' });
    const corrected = await registered({ uscc: code.toLowerCase(), industry: '制造业' });
    expect(corrected.created).toBe(false);
    const [row] = await sql<{ n: string }>(t.databaseUrl, 'select count(*) as n from enterprise where upper(uscc) = $1', [code]);
    expect(Number(row.n)).toBe(1);
  });
});

describe('personal data', () => {
  it('an invalid resident ID check character: BAD_USER_INPUT naming legalRepresentativeIdNumber, nothing written', async () => {
    const code = yanhu(20);
    const before = await counts();
    const result = await register({ uscc: code, name: '身份证校验', legalRepresentativeIdNumber: '110105194912310021' });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'legalRepresentativeIdNumber', rule: 'check' });
    expect(result.errors?.[0].message).toContain('check character');
    expect(await counts()).toEqual(before);
  });

  it('an ID number in no known form: BAD_USER_INPUT naming legalRepresentativeIdNumber', async () => {
    const result = await register({ uscc: yanhu(21), name: '证件格式', legalRepresentativeIdNumber: '12-34' });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'legalRepresentativeIdNumber' });
  });

  it.each(['abc', '12', '138-abcd-5678'])('an invalid phone %j: BAD_USER_INPUT naming contactPhone, nothing written', async (phone) => {
    const code = yanhu(22);
    const before = await counts();
    const result = await register({ uscc: code, name: '电话校验', contactPhone: phone });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'contactPhone' });
    expect(await counts()).toEqual(before);
  });

  it('an invalid phone in a correction leaves the enterprise unchanged', async () => {
    const code = yanhu(23);
    await registered({ uscc: code, name: '电话更正', contactPhone: PHONE, industry: '建筑业' });
    const result = await register({ uscc: code, contactPhone: 'not a phone', industry: '房地产业' });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'contactPhone' });
    expect(await fetchOne(code)).toMatchObject({ contactPhone: PHONE, industry: '建筑业' });
  });

  describe('masking', () => {
    const code = yanhu(30);
    let readOnly: string;
    let withPersonalData: string;
    beforeAll(async () => {
      await registered({
        uscc: code,
        name: '个人信息遮蔽测试有限公司',
        legalRepresentative: '王五',
        legalRepresentativeIdNumber: ID_NUMBER,
        contactPhone: PHONE,
      });
      readOnly = await t.keyFor('EN-MASK-READ', ['READ'], 'TAX');
      withPersonalData = await t.keyFor('EN-MASK-PD', ['READ', 'PERSONAL_DATA'], 'COURT');
    });

    it('without PERSONAL_DATA, enterprise(uscc) masks the ID number and the phone', async () => {
      expect(await fetchOne(code, readOnly)).toMatchObject({
        legalRepresentative: '王五',
        legalRepresentativeIdNumber: ID_MASKED,
        contactPhone: PHONE_MASKED,
        personalDataMasked: true,
      });
    });

    it('with READ and PERSONAL_DATA, enterprise(uscc) shows them in full', async () => {
      expect(await fetchOne(code, withPersonalData)).toMatchObject({
        legalRepresentativeIdNumber: ID_NUMBER,
        contactPhone: PHONE,
        personalDataMasked: false,
      });
    });

    it('the same holds in enterprises lists', async () => {
      const filter = { nameContains: '个人信息遮蔽' };
      const masked = await list({ filter }, readOnly);
      expect(masked.errors).toBeUndefined();
      expect(masked.data.enterprises.edges).toEqual([
        {
          cursor: expect.any(String),
          node: expect.objectContaining({ uscc: code, legalRepresentativeIdNumber: ID_MASKED, contactPhone: PHONE_MASKED, personalDataMasked: true }),
        },
      ]);
      expect(JSON.stringify(masked.body)).not.toContain(ID_NUMBER.slice(6, 14));
      expect(JSON.stringify(masked.body)).not.toContain(PHONE);
      const full = await list({ filter }, withPersonalData);
      expect(full.data.enterprises.edges[0].node).toMatchObject({
        legalRepresentativeIdNumber: ID_NUMBER,
        contactPhone: PHONE,
        personalDataMasked: false,
      });
    });

    it('an enterprise without personal data reports null, not a mask', async () => {
      const bare = yanhu(31);
      await registered({ uscc: bare, name: '无个人信息企业' });
      expect(await fetchOne(bare, readOnly)).toMatchObject({ legalRepresentativeIdNumber: null, contactPhone: null });
    });
  });
});

describe('enterprises(filter, first, after)', () => {
  // Province 41 is used by these tests only, so its counts are exact whatever ran before.
  const henan = (n: number) => uscc(`91410000MA0L000${String(n).padStart(2, '0')}`);
  const fixture = [
    { uscc: henan(1), name: '卫东煤业 Mining Co.', regionCode: '410403', industry: 'LT-煤炭' },
    { uscc: henan(2), name: '新华 mining 贸易', regionCode: '410402', industry: 'LT-贸易' },
    { uscc: henan(3), name: '舞阳 100% 钢铁', regionCode: '411121', industry: 'LT-钢铁' },
    { uscc: henan(4), name: '漯河 A_B 食品', regionCode: '411100', industry: 'LT-食品' },
    { uscc: henan(5), name: '舞阳 AXB 食品', regionCode: '411121', industry: 'LT-食品' },
    { uscc: henan(6), name: '河南 Province Holding', regionCode: '410000', industry: 'LT-控股' },
    { uscc: uscc('91140802MA0L00001'), name: '盐湖 LT 前缀', regionCode: '140802', industry: 'LT-14' },
    { uscc: uscc('91141002MA0L00001'), name: '尧都 LT 前缀', regionCode: '141002', industry: 'LT-14' },
  ];
  const [a, b, c, d, e, f, g, h] = fixture.map((row) => row.uscc);

  beforeAll(async () => {
    for (const row of fixture) await registered(row);
  });

  it('the fixture USCCs sort in the order they were numbered', () => {
    expect([a, b, c, d, e, f]).toEqual([a, b, c, d, e, f].slice().sort());
  });

  it.each([
    ['41', [a, b, c, d, e, f]],
    ['4104', [a, b]],
    ['410400', [a, b]],
    ['410403', [a]],
    ['4111', [c, d, e]],
    ['411100', [c, d, e]],
    ['411121', [c, e]],
    ['410000', [a, b, c, d, e, f]],
    [' 4104 ', [a, b]],
  ])('regionPrefix %j selects every division under it', async (regionPrefix, expected) => {
    const result = await list({ filter: { regionPrefix } });
    expect(result.errors).toBeUndefined();
    expect(usccsOf(result)).toEqual(expected);
    expect(result.data.enterprises.totalCount).toBe(expected.length);
  });

  it('140800 means the same as 1408; 14 takes in 临汾 too', async () => {
    const industry = 'LT-14';
    expect(usccsOf(await list({ filter: { regionPrefix: '1408', industry } }))).toEqual([g]);
    expect(usccsOf(await list({ filter: { regionPrefix: '140800', industry } }))).toEqual([g]);
    expect(usccsOf(await list({ filter: { regionPrefix: '14', industry } }))).toEqual([g, h]);
    expect(usccsOf(await list({ filter: { regionPrefix: '140000', industry } }))).toEqual([g, h]);
    const all1408 = await list({ filter: { regionPrefix: '1408' }, first: 500 });
    const all140800 = await list({ filter: { regionPrefix: '140800' }, first: 500 });
    expect(usccsOf(all140800)).toEqual(usccsOf(all1408));
    expect(all1408.data.enterprises.edges.every((edge: any) => edge.node.regionCode.startsWith('1408'))).toBe(true);
  });

  it('a name fragment matches anywhere, case-insensitively', async () => {
    expect(usccsOf(await list({ filter: { nameContains: 'MINING' } }))).toEqual([a, b]);
    expect(usccsOf(await list({ filter: { nameContains: 'province hold' } }))).toEqual([f]);
    expect(usccsOf(await list({ filter: { nameContains: '  舞阳 ' } }))).toEqual([c, e]);
    expect(usccsOf(await list({ filter: { nameContains: '不存在的名字' } }))).toEqual([]);
  });

  it('% and _ in a name fragment are literal characters, not wildcards', async () => {
    expect(usccsOf(await list({ filter: { nameContains: '%' } }))).toEqual([c]);
    expect(usccsOf(await list({ filter: { nameContains: '100%' } }))).toEqual([c]);
    expect(usccsOf(await list({ filter: { nameContains: '_' } }))).toEqual([d]);
    expect(usccsOf(await list({ filter: { nameContains: 'A_B' } }))).toEqual([d]);
    expect(usccsOf(await list({ filter: { nameContains: '舞阳%钢铁' } }))).toEqual([]);
    expect(usccsOf(await list({ filter: { nameContains: '\\' } }))).toEqual([]);
  });

  it('industry matches exactly', async () => {
    expect(usccsOf(await list({ filter: { industry: 'LT-食品' } }))).toEqual([d, e]);
    expect(usccsOf(await list({ filter: { industry: 'LT-食' } }))).toEqual([]);
  });

  it('filters combine', async () => {
    expect(usccsOf(await list({ filter: { regionPrefix: '4111', industry: 'LT-食品' } }))).toEqual([d, e]);
    expect(usccsOf(await list({ filter: { regionPrefix: '4111', industry: 'LT-食品', nameContains: '漯河' } }))).toEqual([d]);
    expect(usccsOf(await list({ filter: { regionPrefix: '4104', nameContains: 'mining', industry: 'LT-贸易' } }))).toEqual([b]);
    const none = await list({ filter: { regionPrefix: '4104', industry: 'LT-食品' } });
    expect(none.data.enterprises).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it('pages by USCC with cursors; totalCount counts every match across pages', async () => {
    const filter = { regionPrefix: '41' };
    const first = await list({ filter, first: 2 });
    expect(usccsOf(first)).toEqual([a, b]);
    expect(first.data.enterprises.totalCount).toBe(6);
    expect(first.data.enterprises.pageInfo.hasNextPage).toBe(true);
    expect(first.data.enterprises.pageInfo.endCursor).toBe(first.data.enterprises.edges[1].cursor);

    const second = await list({ filter, first: 2, after: first.data.enterprises.pageInfo.endCursor });
    expect(usccsOf(second)).toEqual([c, d]);
    expect(second.data.enterprises.totalCount).toBe(6);
    expect(second.data.enterprises.pageInfo.hasNextPage).toBe(true);

    const third = await list({ filter, first: 2, after: second.data.enterprises.pageInfo.endCursor });
    expect(usccsOf(third)).toEqual([e, f]);
    expect(third.data.enterprises.pageInfo.hasNextPage).toBe(false);

    // Any edge's cursor resumes right after it.
    const fromA = await list({ filter, first: 3, after: first.data.enterprises.edges[0].cursor });
    expect(usccsOf(fromA)).toEqual([b, c, d]);
    // Past the end: an empty page.
    const past = await list({ filter, after: third.data.enterprises.pageInfo.endCursor });
    expect(past.data.enterprises).toMatchObject({ edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 6 });
  });

  it.each(['140', '99', '1', '14080', '14A8', '', '9900', '140012'])(
    'an invalid regionPrefix %j: BAD_USER_INPUT naming regionPrefix',
    async (regionPrefix) => {
      const result = await list({ filter: { regionPrefix } });
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'regionPrefix' });
      expect(result.data).toBeNull();
    },
  );

  it.each(['not-a-cursor', Buffer.from('["a","b"]').toString('base64url'), Buffer.from('{"uscc":1}').toString('base64url'), '%%%'])(
    'a malformed after %j: BAD_USER_INPUT naming after',
    async (after) => {
      const result = await list({ filter: { regionPrefix: '41' }, after });
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    },
  );

  it('first below 1 is BAD_USER_INPUT; a page over MAX_PAGE_SIZE is LIMIT_EXCEEDED', async () => {
    expect((await list({ first: 0 })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect((await list({ first: 100000 })).errors?.[0].extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'MAX_PAGE_SIZE' });
  });
});

describe('who may register and read', () => {
  it('a member unit may not register (FORBIDDEN), and nothing is written', async () => {
    const key = await t.keyFor('EN-MR', ['READ', 'PUBLISH', 'PERSONAL_DATA', 'ANALYZE', 'SUBSCRIBE'], 'MARKET_REGULATION');
    const code = yanhu(40);
    const before = await counts();
    const result = await register({ uscc: code, name: '越权登记有限公司' }, key);
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0].message).toContain('ADMIN');
    expect(await counts()).toEqual(before);
    expect(await fetchOne(code)).toBeNull();
  });

  it('a member unit may not correct an existing enterprise either', async () => {
    const key = await t.keyFor('EN-MR2', ['READ', 'PUBLISH'], 'MARKET_REGULATION');
    const code = yanhu(41);
    await registered({ uscc: code, name: '原名有限公司' });
    const result = await register({ uscc: code, name: '篡改名称' }, key);
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await fetchOne(code)).name).toBe('原名有限公司');
  });

  it('an office credential without ADMIN may not register (FORBIDDEN)', async () => {
    const key = await t.keyFor('OFFICE', ['READ', 'PUBLISH', 'PERSONAL_DATA']);
    const code = yanhu(42);
    const result = await register({ uscc: code, name: '办公室非管理员' }, key);
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await fetchOne(code)).toBeNull();
  });

  it('a credential without READ may not query enterprises (FORBIDDEN)', async () => {
    const key = await t.keyFor('EN-NOREAD', ['PUBLISH', 'SUBSCRIBE', 'PERSONAL_DATA'], 'TAX');
    const code = yanhu(43);
    await registered({ uscc: code, name: '不可读企业' });
    const one = await t.gql(ONE, { uscc: code }, key);
    expect(one.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(one.errors?.[0].message).toContain('READ');
    expect(one.data).toEqual({ enterprise: null });
    const many = await list({}, key);
    expect(many.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(many.data).toBeNull();
  });

  it('without a key, enterprises are UNAUTHENTICATED', async () => {
    const result = await t.gql(ONE, { uscc: yanhu(1) }, null);
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('the audit trail', () => {
  it('register and correct each write an audit record without the personal data values', async () => {
    const code = yanhu(50);
    const otherId = '110105194912310038';
    const otherPhone = '0359-2345678';
    await registered({ uscc: code, name: '审计测试有限公司', legalRepresentativeIdNumber: ID_NUMBER, contactPhone: PHONE });
    await registered({ uscc: code, industry: '金融业', legalRepresentativeIdNumber: otherId, contactPhone: otherPhone });
    const rows = await sql<{ action: string; entity_type: string; detail: Record<string, unknown>; text: string }>(
      t.databaseUrl,
      "select action, entity_type, detail, detail::text as text from audit_record where entity_id = $1 and action <> 'enterprise.readPersonalData' order by id",
      [code],
    );
    expect(rows.map((row) => row.action)).toEqual(['enterprise.register', 'enterprise.correct']);
    expect(rows.every((row) => row.entity_type === 'Enterprise')).toBe(true);
    expect(rows[0].detail).toMatchObject({ name: '审计测试有限公司', regionCode: '140802' });
    expect(rows[1].detail).toMatchObject({ industry: '金融业' });
    expect(rows[1].detail).toHaveProperty('legalRepresentativeIdNumber');
    expect(rows[1].detail).toHaveProperty('contactPhone');
    expect(rows[1].detail).not.toHaveProperty('name');
    // Nor in the records of the answers that returned them (the payloads read back unmasked), whose detail names
    // the mutation's arguments but not their values.
    const reads = await sql<{ detail: any }>(
      t.databaseUrl,
      "select detail from audit_record where entity_id = $1 and action = 'enterprise.readPersonalData' order by id",
      [code],
    );
    expect(reads.map((row) => row.detail)).toEqual([
      expect.objectContaining({ type: 'mutation', fields: [{ field: 'registerEnterprise', arguments: 'input' }], rows: 1, usccs: [code] }),
      expect.objectContaining({ type: 'mutation', rows: 1, usccs: [code] }),
    ]);
    for (const value of [ID_NUMBER, PHONE, otherId, otherPhone, ID_NUMBER.slice(6, 14), PHONE.slice(3)]) {
      const [hit] = await sql<{ n: string }>(t.databaseUrl, 'select count(*) as n from audit_record where strpos(detail::text, $1) > 0', [value]);
      expect({ value, hits: Number(hit.n) }).toEqual({ value, hits: 0 });
    }
  });

  it('the audit records of enterprises join the one hash chain', async () => {
    const rows = await sql<{ prev_hash: string; hash: string }>(t.databaseUrl, 'select prev_hash, hash from audit_record order by id');
    expect(rows.length).toBeGreaterThan(1);
    rows.forEach((row, i) => expect(row.prev_hash).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1].hash));
  });
});
