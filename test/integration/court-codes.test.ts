/**
 * Court codes (法院代字, issue 10 item 6) through GraphQL over HTTP: the office gives each court unit its code
 * (createUnit, updateUnit; only a COURT has one, no two the same), and every number that enters the ledger —
 * registration, acceptance, addCaseNumber — carries the code of the court that may give it. A court can no
 * longer take another court's numbers, nor learn from CONFLICT that a number of another court exists. Every
 * refusal is BAD_USER_INPUT naming its rule and leaves nothing behind.
 */
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { sql } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
let serial = 0;
/** A fresh valid USCC of 盐湖区. */
const debtor = () => uscc(`91140802MA0C${String(++serial).padStart(5, '0')}`);

const UNIT_FIELDS = 'code kind courtCode';
const CREATE_UNIT = `mutation($input: CreateUnitInput!) { createUnit(input: $input) { ${UNIT_FIELDS} } }`;
const UPDATE_UNIT = `mutation($input: UpdateUnitInput!) { updateUnit(input: $input) { ${UNIT_FIELDS} } }`;
const REGISTER = `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id caseNumbers version court { code courtCode } } }`;
const ADVANCE = `mutation($input: AdvanceCaseStageInput!) { advanceCaseStage(input: $input) { id stage caseNumbers version } }`;
const ADD_NUMBER = `mutation($input: AddCaseNumberInput!) { addCaseNumber(input: $input) { id caseNumbers version } }`;
const BY_NUMBER = `query($n: CaseNumber) { case(caseNumber: $n) { id } }`;

let t: TestHub;
const keys: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestHub();
  keys.OFFICE = t.adminKey;
  keys.ZY = await t.keyFor('YC-ZY', ['PUBLISH', 'READ'], 'COURT', '晋08'); // 运城中院
  keys.YH = await t.keyFor('YC-YHFY', ['PUBLISH', 'READ'], 'COURT', '晋0802'); // 盐湖区法院
  keys.YJ = await t.keyFor('YC-YJFY', ['PUBLISH', 'READ'], 'COURT', '晋0881'); // 永济市法院, 盐湖's sibling
  keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
  const bare = await t.gql(CREATE_UNIT, { input: { code: 'YC-NOCODE', kind: 'COURT', name: '未设代字的法院', regionCode: '140821' } });
  expect(bare.data.createUnit).toEqual({ code: 'YC-NOCODE', kind: 'COURT', courtCode: null });
  keys.NOCODE = await t.keyFor('YC-NOCODE', ['PUBLISH', 'READ'], 'COURT');
});
afterAll(() => t?.stop());

const extensionsOf = (result: { errors?: { extensions?: Record<string, any> }[] }) => result.errors?.[0]?.extensions;

/** Rows any write touches, to show that a refusal leaves nothing behind. */
async function counts() {
  const [row] = await sql<Record<string, string>>(
    t.databaseUrl,
    `select (select count(*) from unit) as units, (select string_agg(code || '=' || coalesce(court_code, '-') || '/' || kind, ',' order by code) from unit) as codes,
       (select count(*) from bankruptcy_case) as cases, (select count(*) from case_number) as numbers,
       (select coalesce(sum(version), 0) from bankruptcy_case) as versions, (select count(*) from enterprise) as enterprises,
       (select count(*) from change_event) as events, (select count(*) from audit_record) as audit`,
  );
  return row;
}

function registerAs(key: string, caseNumber: string | null, extra: Record<string, unknown> = {}) {
  return t.gql(
    REGISTER,
    { input: { caseNumber, debtorUscc: debtor(), debtorName: `第${serial}号有限公司`, procedure: 'LIQUIDATION', appliedOn: '2026-03-01', ...extra } },
    key,
  );
}

async function registered(key: string, caseNumber: string | null, extra: Record<string, unknown> = {}) {
  const result = await registerAs(key, caseNumber, extra);
  expect(result.errors).toBeUndefined();
  return result.data.registerCase as { id: string; caseNumbers: string[]; version: number; court: { code: string; courtCode: string | null } };
}

/** A refusal: BAD_USER_INPUT with this field and rule, and nothing written. */
async function expectRefused(act: () => Promise<{ errors?: { message: string; extensions?: Record<string, any> }[] }>, field: string, rule: string) {
  const before = await counts();
  const result = await act();
  expect(extensionsOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field, rule });
  expect(await counts()).toEqual(before);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
describe("a court unit's court code, set by the office", () => {
  it('createUnit gives a court its code, normalised (full-width digits, blanks); units and the audit trail show it', async () => {
    const created = await t.gql(CREATE_UNIT, {
      input: { code: 'YC-LYFY', kind: 'COURT', name: '临猗县人民法院', regionCode: '140821', courtCode: ' 晋０８２１ ' },
    });
    expect(created.errors).toBeUndefined();
    expect(created.data.createUnit).toEqual({ code: 'YC-LYFY', kind: 'COURT', courtCode: '晋0821' });
    const listed = await t.gql(`{ units(first: 100) { edges { node { code courtCode } } } }`, {}, keys.TAX);
    const byCode = Object.fromEntries(listed.data.units.edges.map((edge: any) => [edge.node.code, edge.node.courtCode]));
    expect(byCode).toMatchObject({ 'YC-LYFY': '晋0821', 'YC-ZY': '晋08', 'YC-YHFY': '晋0802', 'YC-TAX': null, 'YC-NOCODE': null });
    const [audit] = await sql<any>(t.databaseUrl, `select detail from audit_record where action = 'unit.create' and detail->>'code' = 'YC-LYFY'`);
    expect(audit.detail).toMatchObject({ kind: 'COURT', courtCode: '晋0821' });
  });

  it.each([
    ['晋8', 'one digit'],
    ['晋081', 'three digits'],
    ['山08', 'not a province abbreviation'],
    ['晋08破', 'a type code after it'],
    ['最高法1', 'digits after 最高法'],
    ['', 'empty'],
  ])('a bad court code (%s: %s) is BAD_USER_INPUT, rule format, and admits nothing', async (courtCode) => {
    await expectRefused(
      () => t.gql(CREATE_UNIT, { input: { code: 'YC-BADCODE', kind: 'COURT', name: '坏', regionCode: '140800', courtCode } }),
      'courtCode',
      'format',
    );
    await expectRefused(() => t.gql(UPDATE_UNIT, { input: { code: 'YC-NOCODE', courtCode } }), 'courtCode', 'format');
  });

  it("the grammar is the case numbers': 晋 (high court), 晋08, 晋0802, 兵0101 and 最高法 are court codes", async () => {
    for (const [i, courtCode] of ['晋', '兵0101', '最高法'].entries()) {
      const created = await t.gql(CREATE_UNIT, { input: { code: `YC-GRAMMAR${i}`, kind: 'COURT', name: '法院', regionCode: '140000', courtCode } });
      expect(created.data.createUnit.courtCode).toBe(courtCode);
    }
  });

  it('only a COURT unit has a court code: a TAX unit given one is refused (rule kind), on createUnit and updateUnit', async () => {
    await expectRefused(
      () => t.gql(CREATE_UNIT, { input: { code: 'YC-SWJ2', kind: 'TAX', name: '税务', regionCode: '140800', courtCode: '晋0899' } }),
      'courtCode',
      'kind',
    );
    await expectRefused(() => t.gql(UPDATE_UNIT, { input: { code: 'YC-TAX', courtCode: '晋0899' } }), 'courtCode', 'kind');
  });

  it("a court code names one court: another unit's is CONFLICT, nothing written", async () => {
    const before = await counts();
    const created = await t.gql(CREATE_UNIT, { input: { code: 'YC-COPY', kind: 'COURT', name: '重复', regionCode: '140802', courtCode: '晋0802' } });
    expect(extensionsOf(created)).toMatchObject({ code: 'CONFLICT' });
    const updated = await t.gql(UPDATE_UNIT, { input: { code: 'YC-NOCODE', courtCode: '晋0802' } });
    expect(extensionsOf(updated)).toMatchObject({ code: 'CONFLICT' });
    expect(await counts()).toEqual(before);
  });

  it('updateUnit sets, keeps (omitted), changes and clears (null) a court code', async () => {
    await t.gql(CREATE_UNIT, { input: { code: 'YC-WRFY', kind: 'COURT', name: '万荣县人民法院', regionCode: '140822' } });
    expect((await t.gql(UPDATE_UNIT, { input: { code: 'YC-WRFY', courtCode: '晋0823' } })).data.updateUnit.courtCode).toBe('晋0823');
    expect((await t.gql(UPDATE_UNIT, { input: { code: 'YC-WRFY', name: '万荣县法院' } })).data.updateUnit.courtCode).toBe('晋0823');
    expect((await t.gql(UPDATE_UNIT, { input: { code: 'YC-WRFY', courtCode: '晋0822' } })).data.updateUnit.courtCode).toBe('晋0822');
    expect((await t.gql(UPDATE_UNIT, { input: { code: 'YC-WRFY', courtCode: null } })).data.updateUnit.courtCode).toBeNull();
    const audits = await sql<any>(
      t.databaseUrl,
      `select detail from audit_record where action = 'unit.update' and detail->>'code' = 'YC-WRFY' order by id`,
    );
    expect(audits.map((audit) => audit.detail.changed)).toEqual([
      { courtCode: '晋0823' },
      { name: '万荣县法院' },
      { courtCode: '晋0822' },
      { courtCode: null },
    ]);
  });

  it('a court whose kind changes away from COURT must drop its code in the same change; otherwise nothing changes', async () => {
    await t.gql(CREATE_UNIT, { input: { code: 'YC-KIND', kind: 'COURT', name: '改类别', regionCode: '140800', courtCode: '晋0830' } });
    const refused = await expectRefused(() => t.gql(UPDATE_UNIT, { input: { code: 'YC-KIND', kind: 'JUSTICE' } }), 'courtCode', 'kind');
    expect(refused.errors![0].message).toMatch(/courtCode: null/);
    const changed = await t.gql(UPDATE_UNIT, { input: { code: 'YC-KIND', kind: 'JUSTICE', courtCode: null } });
    expect(changed.data.updateUnit).toEqual({ code: 'YC-KIND', kind: 'JUSTICE', courtCode: null });
    // Back to COURT: no code until the office gives one (in the same change or later).
    expect((await t.gql(UPDATE_UNIT, { input: { code: 'YC-KIND', kind: 'COURT' } })).data.updateUnit.courtCode).toBeNull();
    expect((await t.gql(UPDATE_UNIT, { input: { code: 'YC-KIND', courtCode: '晋0830' } })).data.updateUnit.courtCode).toBe('晋0830');
  });

  it('the database keeps the rule too: a non-court with a code cannot be written even by SQL', async () => {
    await expect(sql(t.databaseUrl, `update unit set court_code = '晋0899' where code = 'YC-TAX'`)).rejects.toThrow(/unit_court_code_kind/);
  });

  it('a court may not set its own code, nor anyone without ADMIN of the office (FORBIDDEN)', async () => {
    const before = await counts();
    for (const key of [keys.YJ, keys.TAX]) {
      expect(extensionsOf(await t.gql(UPDATE_UNIT, { input: { code: 'YC-YJFY', courtCode: '晋0802' } }, key))).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await counts()).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('a court registers and adds numbers with its own court code', () => {
  it("a court registering another court's number is refused (rule caseNumberCourt), nothing written; the real court then registers it", async () => {
    const number = '（2026）晋0881破申1号';
    const refused = await expectRefused(() => registerAs(keys.YH, number), 'caseNumber', 'caseNumberCourt');
    expect(refused.errors![0].message).toMatch(/晋0881.*晋0802/);
    const real = await registered(keys.YJ, number);
    expect(real).toMatchObject({ caseNumbers: [number], court: { code: 'YC-YJFY', courtCode: '晋0881' } });
  });

  it('CONFLICT no longer tells a court about numbers of another court: it is refused by the code before the number is looked up', async () => {
    const secret = '（2026）晋0802破申2号';
    await registered(keys.YH, secret, { sensitive: true }); // RESTRICTED: 永济 may not see it
    expect(extensionsOf(await t.gql(BY_NUMBER, { n: secret }, keys.YJ))).toMatchObject({ code: 'NOT_FOUND' });
    await expectRefused(() => registerAs(keys.YJ, secret), 'caseNumber', 'caseNumberCourt');
    // The court whose number it is still learns that it is taken (it is its own number).
    const again = await registerAs(keys.YH, secret.replace('（', '(').replace('）', ')'));
    expect(extensionsOf(again)).toMatchObject({ code: 'CONFLICT' });
  });

  it("a court above and a court below do not take each other's first-instance numbers", async () => {
    await expectRefused(() => registerAs(keys.ZY, '（2026）晋0802破申3号'), 'caseNumber', 'caseNumberCourt');
    await expectRefused(() => registerAs(keys.YH, '（2026）晋08破申3号'), 'caseNumber', 'caseNumberCourt');
  });

  it("an appeal or supervision number (破终, 清终, 破监, 清监) may carry the code of a court above; a sibling's, a court below's or 最高法 is refused", async () => {
    expect((await registered(keys.YH, '（2026）晋08破终1号')).caseNumbers).toEqual(['（2026）晋08破终1号']);
    expect((await registered(keys.YH, '（2026）晋破监1号')).caseNumbers).toEqual(['（2026）晋破监1号']);
    expect((await registered(keys.YH, '（2026）晋08清终1号', { procedure: 'COMPULSORY_LIQUIDATION' })).caseNumbers).toEqual(['（2026）晋08清终1号']);
    await expectRefused(() => registerAs(keys.YH, '（2026）晋0881破终1号'), 'caseNumber', 'caseNumberCourt'); // a sibling's
    await expectRefused(() => registerAs(keys.ZY, '（2026）晋0802破终9号'), 'caseNumber', 'caseNumberCourt'); // a court below's
    await expectRefused(() => registerAs(keys.YH, '（2026）最高法破监1号'), 'caseNumber', 'caseNumberCourt');
    // Only appeal and supervision numbers: a 破申 number of the court above is not the basic court's.
    await expectRefused(() => registerAs(keys.YH, '（2026）晋破申1号'), 'caseNumber', 'caseNumberCourt');
  });

  it("addCaseNumber: the court's own code and a court above's appeal number are added; a sibling's is refused, nothing written", async () => {
    const kase = await registered(keys.YH, '（2026）晋0802破申10号');
    const own = await t.gql(ADD_NUMBER, { input: { caseId: kase.id, caseNumber: '（2026）晋0802破申10号之二' } }, keys.YH);
    expect(own.errors).toBeUndefined();
    const appeal = await t.gql(ADD_NUMBER, { input: { caseId: kase.id, caseNumber: '（2026）晋08破终10号' } }, keys.YH);
    expect(appeal.data.addCaseNumber.caseNumbers).toEqual(['（2026）晋0802破申10号', '（2026）晋0802破申10号之二', '（2026）晋08破终10号']);
    await expectRefused(
      () => t.gql(ADD_NUMBER, { input: { caseId: kase.id, caseNumber: '（2026）晋0881破申10号' } }, keys.YH),
      'caseNumber',
      'caseNumberCourt',
    );
    await expectRefused(
      () => t.gql(ADD_NUMBER, { input: { caseId: kase.id, caseNumber: '（2026）晋0881破终10号' } }, keys.YH),
      'caseNumber',
      'caseNumberCourt',
    );
  });

  it("advanceCaseStage to ACCEPTED with another court's 破 number is refused, the case unmoved; with its own it moves", async () => {
    const kase = await registered(keys.YH, '（2026）晋0802破申11号');
    const move = (caseNumber: string) =>
      t.gql(ADVANCE, { input: { caseId: kase.id, toStage: 'ACCEPTED', expectedVersion: 1, on: '2026-04-01', caseNumber } }, keys.YH);
    await expectRefused(() => move('（2026）晋0881破11号'), 'caseNumber', 'caseNumberCourt');
    const accepted = await move('（2026）晋0802破11号');
    expect(accepted.data.advanceCaseStage).toMatchObject({
      stage: 'ACCEPTED',
      version: 2,
      caseNumbers: ['（2026）晋0802破申11号', '（2026）晋0802破11号'],
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('the office', () => {
  it("registers for a court X with X's code (or, for an appeal number, a code above X); with another court's code it is refused", async () => {
    const forYh = await registered(keys.OFFICE, '（2026）晋0802破申20号', { court: 'YC-YHFY' });
    expect(forYh.court.code).toBe('YC-YHFY');
    expect((await registered(keys.OFFICE, '（2026）晋08破终20号', { court: 'YC-YHFY' })).court.code).toBe('YC-YHFY');
    await expectRefused(() => registerAs(keys.OFFICE, '（2026）晋0881破申20号', { court: 'YC-YHFY' }), 'caseNumber', 'caseNumberCourt');
    await expectRefused(() => registerAs(keys.OFFICE, '（2026）晋0881破终20号', { court: 'YC-YHFY' }), 'caseNumber', 'caseNumberCourt');
  });

  it("adds any number: another court's (a case transferred), 最高法's; and on acceptance any 破 number", async () => {
    const kase = await registered(keys.YH, '（2026）晋0802破申21号');
    const transferred = await t.gql(ADD_NUMBER, { input: { caseId: kase.id, caseNumber: '（2026）晋0881破申21号' } }, keys.OFFICE);
    expect(transferred.errors).toBeUndefined();
    const supreme = await t.gql(ADD_NUMBER, { input: { caseId: kase.id, caseNumber: '（2026）最高法破监1号' } }, keys.OFFICE);
    expect(supreme.data.addCaseNumber.caseNumbers).toEqual(['（2026）晋0802破申21号', '（2026）晋0881破申21号', '（2026）最高法破监1号']);
    const accepted = await t.gql(
      ADVANCE,
      { input: { caseId: kase.id, toStage: 'ACCEPTED', expectedVersion: 1, on: '2026-04-01', caseNumber: '（2026）晋0881破21号' } },
      keys.OFFICE,
    );
    expect(accepted.data.advanceCaseStage).toMatchObject({ stage: 'ACCEPTED', version: 2 });
    // The number the office added is found by the court whose case it is.
    expect((await t.gql(BY_NUMBER, { n: '（2026）晋0881破21号' }, keys.YH)).data.case.id).toBe(kase.id);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('a court without a court code', () => {
  it('is refused any number (rule courtCode: ask the office), also when the office registers for it; nothing written', async () => {
    const refused = await expectRefused(() => registerAs(keys.NOCODE, '（2026）晋0821破申30号'), 'court', 'courtCode');
    expect(refused.errors![0].message).toMatch(/coordination office/);
    await expectRefused(() => registerAs(keys.OFFICE, '（2026）晋0821破申30号', { court: 'YC-NOCODE' }), 'court', 'courtCode');
  });

  it('may register a pre-reorganisation without a number, but not number it until the office sets its code', async () => {
    const pre = await registered(keys.NOCODE, null, { procedure: 'PRE_REORGANIZATION' });
    await expectRefused(
      () => t.gql(ADD_NUMBER, { input: { caseId: pre.id, caseNumber: '（2026）晋0826破申31号' } }, keys.NOCODE),
      'court',
      'courtCode',
    );
    await t.gql(UPDATE_UNIT, { input: { code: 'YC-NOCODE', courtCode: '晋0826' } });
    const numbered = await t.gql(ADD_NUMBER, { input: { caseId: pre.id, caseNumber: '（2026）晋0826破申31号' } }, keys.NOCODE);
    expect(numbered.data.addCaseNumber.caseNumbers).toEqual(['（2026）晋0826破申31号']);
    expect((await registered(keys.NOCODE, '（2026）晋0826破申32号')).court.courtCode).toBe('晋0826');
  });
});
