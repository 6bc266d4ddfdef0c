/**
 * The case ledger's write path (issue 4) through GraphQL over HTTP: registering cases (who may, case numbers,
 * the debtor), finding a case by any of its numbers, stage moves by the rules (conversions included), edits with
 * expectedVersion (two units racing never silently overwrite each other), and what every refusal leaves behind:
 * nothing.
 */
import { randomUUID } from 'node:crypto';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { sql } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
/** A valid USCC registered in 盐湖区 (division 140802), numbered `n`. */
const yanhu = (n: number) => uscc(`91140802MA0L${String(n).padStart(5, '0')}`);

const CASE_FIELDS = `id caseNumber caseNumbers procedure stage stageOn appliedOn acceptedOn version riskLevel classification
  sharedWithUnits sharedWithKinds major sensitive employeesAffected wagesOwed debts assets creditors administrator handlingPlan
  petitionRisk publicOpinionRisk socialStabilityRisk regionCode debtorName debtor { uscc name regionCode } court { code }`;
const REGISTER = `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { ${CASE_FIELDS} } }`;
const ADVANCE = `mutation($input: AdvanceCaseStageInput!) { advanceCaseStage(input: $input) { ${CASE_FIELDS} stageHistory { version fromStage toStage fromProcedure toProcedure on note } } }`;
const UPDATE = `mutation($input: UpdateCaseInput!) { updateCase(input: $input) { ${CASE_FIELDS} } }`;
const ADD_NUMBER = `mutation($input: AddCaseNumberInput!) { addCaseNumber(input: $input) { id caseNumbers version } }`;
const BY_NUMBER = `query($n: CaseNumber) { case(caseNumber: $n) { id caseNumbers stage } }`;

const codeOf = (result: { errors?: { extensions?: Record<string, any> }[] }) => result.errors?.[0]?.extensions?.code;

let t: TestHub;
const keys: Record<string, string> = {};
let serial = 0;
/** A fresh 破申 number of 运城中院 (晋08). */
const reviewNumber = () => `（2026）晋08破申${++serial}号`;
/** A fresh 破 number. */
const proceedingNumber = () => `（2026）晋08破${++serial}号`;

beforeAll(async () => {
  t = await startTestHub();
  keys.OFFICE = t.adminKey;
  keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', '晋08');
  keys.COURT2 = await t.keyFor('YC-COURT2', ['PUBLISH', 'READ'], 'COURT', '晋0802');
  keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
  keys.COURT_READ_ONLY = await t.keyFor('YC-COURT', ['READ'], 'COURT');
});
afterAll(() => t?.stop());

/** Rows the write path touches, to show that a refusal leaves nothing behind. */
async function counts() {
  const [row] = await sql<Record<string, string>>(
    t.databaseUrl,
    `select (select count(*) from bankruptcy_case) as cases, (select count(*) from case_number) as numbers,
       (select count(*) from case_stage_change) as stages, (select count(*) from case_progress) as progress,
       (select count(*) from enterprise) as enterprises, (select count(*) from change_event) as events,
       (select count(*) from audit_record) as audit, (select coalesce(sum(version), 0) from bankruptcy_case) as versions`,
  );
  return row;
}

async function register(input: Record<string, unknown>, key = keys.COURT) {
  const input0 = { debtorUscc: yanhu(++serial), debtorName: `运城第${serial}号有限公司`, procedure: 'LIQUIDATION', caseNumber: reviewNumber() };
  // A fixed date keeps the tests apart from today's (the default of a stage's date).
  const result = await t.gql(REGISTER, { input: { ...input0, ...(input.stageOn || input.stage ? {} : { appliedOn: '2026-01-01' }), ...input } }, key);
  expect(result.errors).toBeUndefined();
  return result.data.registerCase;
}

async function advance(id: string, version: number, toStage: string, extra: Record<string, unknown> = {}, key = keys.COURT) {
  return t.gql(ADVANCE, { input: { caseId: id, expectedVersion: version, toStage, on: '2026-11-01', ...extra } }, key);
}

// ---------------------------------------------------------------------------------------------------------------
describe('registering a case', () => {
  it('a court registers its own case: canonical number, debtor created, stage APPLIED, version 1, risk level the most severe', async () => {
    const debtor = yanhu(90001);
    const result = await t.gql(
      REGISTER,
      {
        input: {
          caseNumber: ' (2026)晋08破申901号 ',
          debtorUscc: debtor.toLowerCase(),
          debtorName: '运城市示例机械制造有限公司',
          procedure: 'LIQUIDATION',
          appliedOn: '2026-09-01',
          major: true,
          employeesAffected: 320,
          wagesOwed: '1250000.5',
          debts: '88000000',
          assets: '12000000.00',
          creditors: 146,
          petitionRisk: 'YELLOW',
          publicOpinionRisk: 'BLUE',
          socialStabilityRisk: 'ORANGE',
          handlingPlan: '成立专班，先行垫付部分工资',
          administrator: '山西某律师事务所',
        },
      },
      keys.COURT,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.registerCase).toMatchObject({
      caseNumber: '（2026）晋08破申901号',
      caseNumbers: ['（2026）晋08破申901号'],
      procedure: 'LIQUIDATION',
      stage: 'APPLIED',
      stageOn: '2026-09-01',
      appliedOn: '2026-09-01',
      acceptedOn: null,
      version: 1,
      riskLevel: 'ORANGE',
      classification: 'SHARED',
      major: true,
      sensitive: false,
      employeesAffected: 320,
      wagesOwed: '1250000.50',
      debts: '88000000.00',
      creditors: 146,
      regionCode: '140802',
      debtor: { uscc: debtor, name: '运城市示例机械制造有限公司', regionCode: '140802' },
      court: { code: 'YC-COURT' },
    });
    const [event] = await sql<any>(
      t.databaseUrl,
      `select topic, kind, entity_id, case_id, uscc, risk_level, classification, payload from change_event where entity_id = $1`,
      [result.data.registerCase.id],
    );
    expect(event).toMatchObject({
      topic: 'CASE',
      kind: 'CREATED',
      case_id: result.data.registerCase.id,
      uscc: debtor,
      risk_level: 2,
      classification: 'SHARED',
    });
    expect(event.payload).toMatchObject({
      id: result.data.registerCase.id,
      stage: 'APPLIED',
      version: 1,
      caseNumbers: ['（2026）晋08破申901号'],
      court: { code: 'YC-COURT' },
    });
    const [audit] = await sql<any>(t.databaseUrl, `select action, detail from audit_record where entity_id = $1`, [result.data.registerCase.id]);
    expect(audit).toMatchObject({ action: 'case.register', detail: { court: 'YC-COURT', caseNumber: '（2026）晋08破申901号' } });
  });

  it('the office registers for a court it names; without naming one it is told to', async () => {
    const named = await register({ court: 'yc-court' }, keys.OFFICE);
    expect(named.court.code).toBe('YC-COURT');
    const unnamed = await t.gql(
      REGISTER,
      { input: { caseNumber: reviewNumber(), debtorUscc: yanhu(++serial), debtorName: '某公司', procedure: 'LIQUIDATION' } },
      keys.OFFICE,
    );
    expect(codeOf(unnamed)).toBe('BAD_USER_INPUT');
    expect(unnamed.errors![0].extensions).toMatchObject({ field: 'court', rule: 'required' });
    const notACourt = await t.gql(
      REGISTER,
      { input: { court: 'YC-TAX', caseNumber: reviewNumber(), debtorUscc: yanhu(++serial), debtorName: '某公司', procedure: 'LIQUIDATION' } },
      keys.OFFICE,
    );
    expect(notACourt.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'court', rule: 'kind' });
  });

  it('the tax bureau, a court naming another court, and a court without PUBLISH are refused (FORBIDDEN), nothing written', async () => {
    const before = await counts();
    const input = { caseNumber: reviewNumber(), debtorUscc: yanhu(++serial), debtorName: '某公司', procedure: 'LIQUIDATION' };
    expect(codeOf(await t.gql(REGISTER, { input }, keys.TAX))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(REGISTER, { input: { ...input, court: 'YC-COURT2' } }, keys.COURT))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(REGISTER, { input }, keys.COURT_READ_ONLY))).toBe('FORBIDDEN');
    expect(await counts()).toEqual(before);
  });

  it('a known debtor keeps its registered name and region; the case keeps the name the court gave', async () => {
    const debtor = yanhu(90002);
    await register({ debtorUscc: debtor, debtorName: '原名有限公司' });
    const second = await register({ debtorUscc: debtor, debtorName: '新名有限公司', regionCode: '140821' });
    expect(second.debtorName).toBe('新名有限公司');
    expect(second.debtor).toMatchObject({ name: '原名有限公司', regionCode: '140802' });
    expect(second.regionCode).toBe('140821');
  });

  it('sensitive cases are RESTRICTED by default, an explicit classification wins', async () => {
    expect((await register({ sensitive: true })).classification).toBe('RESTRICTED');
    expect((await register({ sensitive: true, classification: 'SHARED' })).classification).toBe('SHARED');
    const shared = await register({ classification: 'RESTRICTED', sharedWithUnits: ['yc-tax'], sharedWithKinds: ['PBOC', 'PBOC'] });
    expect(shared).toMatchObject({ sharedWithUnits: ['YC-TAX'], sharedWithKinds: ['PBOC'] });
    const unknown = await t.gql(
      REGISTER,
      {
        input: {
          caseNumber: reviewNumber(),
          debtorUscc: yanhu(++serial),
          debtorName: '某公司',
          procedure: 'LIQUIDATION',
          sharedWithUnits: ['NOBODY'],
        },
      },
      keys.COURT,
    );
    expect(unknown.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sharedWithUnits', rule: 'unit' });
  });

  it('a pre-reorganisation may have no number yet; every other procedure needs one', async () => {
    const pre = await register({ procedure: 'PRE_REORGANIZATION', caseNumber: null });
    expect(pre).toMatchObject({ caseNumber: null, caseNumbers: [], procedure: 'PRE_REORGANIZATION', stage: 'APPLIED' });
    const none = await t.gql(REGISTER, { input: { debtorUscc: yanhu(++serial), debtorName: '某公司', procedure: 'REORGANIZATION' } }, keys.COURT);
    expect(none.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'caseNumber', rule: 'required' });
  });

  it('a case may be registered at a later stage its procedure reaches, never at an end stage', async () => {
    const later = await register({
      stage: 'CREDITORS_MEETING',
      caseNumber: proceedingNumber(),
      appliedOn: '2026-01-05',
      acceptedOn: '2026-02-01',
      stageOn: '2026-05-10',
    });
    expect(later).toMatchObject({ stage: 'CREDITORS_MEETING', stageOn: '2026-05-10', acceptedOn: '2026-02-01' });
    for (const [procedure, stage] of [
      ['LIQUIDATION', 'CLOSED'],
      ['REORGANIZATION', 'DECLARED_BANKRUPT'],
      ['LIQUIDATION', 'PLAN'],
    ]) {
      const refused = await t.gql(
        REGISTER,
        { input: { debtorUscc: yanhu(++serial), debtorName: '某公司', procedure, stage, caseNumber: proceedingNumber() } },
        keys.COURT,
      );
      expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'stage', rule: 'stage' });
    }
    const backwards = await t.gql(
      REGISTER,
      {
        input: {
          debtorUscc: yanhu(++serial),
          debtorName: '某公司',
          procedure: 'LIQUIDATION',
          stage: 'ACCEPTED',
          caseNumber: proceedingNumber(),
          appliedOn: '2026-03-01',
          acceptedOn: '2026-02-01',
        },
      },
      keys.COURT,
    );
    expect(backwards.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'acceptedOn', rule: 'order' });
  });

  it('negative counts are refused naming the field', async () => {
    const result = await t.gql(
      REGISTER,
      { input: { caseNumber: reviewNumber(), debtorUscc: yanhu(++serial), debtorName: '某公司', procedure: 'LIQUIDATION', employeesAffected: -1 } },
      keys.COURT,
    );
    expect(result.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'employeesAffected', rule: 'min' });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('case numbers', () => {
  // DOMAIN.md "Case numbers": reject missing bracket, two-digit year, 晋8, missing sequence, 01号, the pre-2016 form.
  it.each([
    ['missing bracket', '2023晋08破1号'],
    ['two-digit year', '（23）晋08破1号'],
    ['one-digit court', '（2023）晋8破1号'],
    ['missing sequence', '（2023）晋08破号'],
    ['leading zero', '（2023）晋08破01号'],
    ['the pre-2016 form', '（2015）晋08民初字第1号'],
  ])('a malformed number (%s) is BAD_USER_INPUT and writes nothing', async (_name, number) => {
    const before = await counts();
    const result = await t.gql(
      REGISTER,
      { input: { caseNumber: number, debtorUscc: yanhu(++serial), debtorName: '某公司', procedure: 'LIQUIDATION' } },
      keys.COURT,
    );
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toMatch(/CaseNumber/);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['an enforcement number', '（2026）晋08执12号', 'type'],
    ['a liquidation number on a compulsory liquidation', '（2026）晋08破申77号', 'type', 'COMPULSORY_LIQUIDATION'],
    ['a proceeding number on an application under review', '（2026）晋08破78号', 'stage'],
  ])(
    'a well-formed number that does not fit the ledger or the case (%s) is refused with its rule',
    async (_name, number, rule, procedure = 'LIQUIDATION') => {
      const result = await t.gql(
        REGISTER,
        { input: { caseNumber: number, debtorUscc: yanhu(++serial), debtorName: '某公司', procedure } },
        keys.COURT,
      );
      expect(result.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'caseNumber', rule });
    },
  );

  it('a compulsory liquidation takes 清申', async () => {
    const compulsory = await register({ procedure: 'COMPULSORY_LIQUIDATION', caseNumber: '(2016)晋08清申1号' });
    expect(compulsory.caseNumber).toBe('（2016）晋08清申1号');
  });

  it('a duplicate number is CONFLICT, whatever brackets it is written with; nothing written', async () => {
    const number = reviewNumber();
    await register({ caseNumber: number });
    const before = await counts();
    const again = await t.gql(
      REGISTER,
      {
        input: {
          caseNumber: number.replace('（', '(').replace('）', ')'),
          debtorUscc: yanhu(++serial),
          debtorName: '某公司',
          procedure: 'LIQUIDATION',
        },
      },
      keys.COURT,
    );
    expect(codeOf(again)).toBe('CONFLICT');
    expect(await counts()).toEqual(before);
  });

  it('two registrations of one number at once: one case, the other CONFLICT', async () => {
    // An appeal number of the high court (晋) is one that both courts (晋08, 晋0802) may register.
    const number = `（2026）晋破终${++serial}号`;
    const results = await Promise.all(
      [keys.COURT, keys.COURT2, keys.COURT, keys.COURT2].map((key) =>
        t.gql(REGISTER, { input: { caseNumber: number, debtorUscc: yanhu(++serial), debtorName: '某公司', procedure: 'LIQUIDATION' } }, key),
      ),
    );
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => r.errors).map(codeOf)).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT']);
    const [row] = await sql<{ n: string }>(t.databaseUrl, 'select count(*) as n from case_number where number = $1', [number]);
    expect(Number(row.n)).toBe(1);
  });

  it('the number given on acceptance is added, and case(caseNumber) finds the case by either number, in either bracket form', async () => {
    const review = reviewNumber();
    const created = await register({ caseNumber: review, appliedOn: '2026-10-01' });
    const proceeding = proceedingNumber();
    const accepted = await advance(created.id, 1, 'ACCEPTED', { caseNumber: proceeding.replace('（', '(').replace('）', ')'), on: '2026-10-20' });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.advanceCaseStage).toMatchObject({
      caseNumber: proceeding,
      caseNumbers: [review, proceeding],
      acceptedOn: '2026-10-20',
      version: 2,
    });
    for (const n of [review, proceeding, proceeding.replace('（', '(').replace('）', ')')]) {
      const found = await t.gql(BY_NUMBER, { n }, keys.TAX);
      expect(found.data.case).toMatchObject({ id: created.id, stage: 'ACCEPTED' });
    }
    const missing = await t.gql(BY_NUMBER, { n: '（2026）晋08破99999号' }, keys.TAX);
    expect(codeOf(missing)).toBe('NOT_FOUND');
  });

  it("addCaseNumber adds a later number (an appeal, 破终); one the case has is no change; another case's is CONFLICT", async () => {
    const created = await register({});
    const appeal = '（2026）晋破终3号';
    const added = await t.gql(ADD_NUMBER, { input: { caseId: created.id, caseNumber: appeal } }, keys.COURT);
    expect(added.data.addCaseNumber).toMatchObject({ caseNumbers: [created.caseNumber, appeal], version: 1 });
    const before = await counts();
    const again = await t.gql(ADD_NUMBER, { input: { caseId: created.id, caseNumber: appeal } }, keys.COURT);
    expect(again.data.addCaseNumber.caseNumbers).toEqual([created.caseNumber, appeal]);
    expect(await counts()).toEqual(before);
    const other = await register({});
    const taken = await t.gql(ADD_NUMBER, { input: { caseId: other.id, caseNumber: appeal } }, keys.COURT);
    expect(codeOf(taken)).toBe('CONFLICT');
    expect(await counts()).toEqual({
      ...before,
      cases: String(Number(before.cases) + 1),
      numbers: String(Number(before.numbers) + 1),
      stages: String(Number(before.stages) + 1),
      enterprises: String(Number(before.enterprises) + 1),
      events: String(Number(before.events) + 1),
      audit: String(Number(before.audit) + 1),
      versions: String(Number(before.versions) + 1),
    });
  });

  it('case takes exactly one of id and caseNumber', async () => {
    const created = await register({});
    const both = await t.gql(`query($id: ID, $n: CaseNumber) { case(id: $id, caseNumber: $n) { id } }`, { id: created.id, n: created.caseNumber });
    expect(both.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'exactlyOne' });
    const neither = await t.gql(`{ case { id } }`);
    expect(neither.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'exactlyOne' });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('stage moves', () => {
  it('a liquidation follows its path to CLOSED (终结), every move in the stage history', async () => {
    const c = await register({ appliedOn: '2026-01-02' });
    const path: [string, string, Record<string, unknown>?][] = [
      ['ACCEPTED', '2026-01-20', { caseNumber: proceedingNumber() }],
      ['CLAIMS_FILING', '2026-02-01'],
      ['CREDITORS_MEETING', '2026-04-01'],
      ['DECLARED_BANKRUPT', '2026-05-01'],
      ['REALIZATION', '2026-06-01'],
      ['DISTRIBUTION', '2026-08-01'],
      ['CLOSED', '2026-09-01', { note: '终结破产程序' }],
    ];
    let version = 1;
    let last: any;
    for (const [stage, on, extra] of path) {
      const result = await advance(c.id, version, stage, { on, ...extra });
      expect(result.errors).toBeUndefined();
      last = result.data.advanceCaseStage;
      expect(last).toMatchObject({ stage, stageOn: on, version: ++version, procedure: 'LIQUIDATION' });
    }
    expect(last.stageHistory.map((s: any) => s.toStage)).toEqual(['APPLIED', ...path.map(([stage]) => stage)]);
    expect(last.stageHistory.at(-1)).toMatchObject({
      fromStage: 'DISTRIBUTION',
      toStage: 'CLOSED',
      on: '2026-09-01',
      note: '终结破产程序',
      version: 8,
    });
    const events = await sql<any>(
      t.databaseUrl,
      `select kind, payload->>'stage' as stage from change_event where case_id = $1 order by occurred_at, ordinal`,
      [c.id],
    );
    expect(events.map((e) => e.kind)).toEqual(['CREATED', ...path.map(() => 'STAGE_CHANGED')]);
    expect(events.map((e) => e.stage)).toEqual(['APPLIED', ...path.map(([stage]) => stage)]);
    // An end stage: nothing follows.
    const after = await advance(c.id, version, 'DISTRIBUTION', { on: '2026-09-02' });
    expect(after.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'end' });
  });

  it('a move the rules forbid is BAD_USER_INPUT naming the allowed next stages; nothing written', async () => {
    const c = await register({ appliedOn: '2026-01-02' });
    await advance(c.id, 1, 'ACCEPTED', { on: '2026-01-10' });
    const before = await counts();
    const back = await advance(c.id, 2, 'APPLIED', { on: '2026-01-11' });
    expect(back.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'toStage',
      rule: 'stage',
      allowedNextStages: expect.arrayContaining(['CLAIMS_FILING', 'DECLARED_BANKRUPT', 'CLOSED', 'DISMISSED', 'PLAN as REORGANIZATION']),
    });
    expect(back.errors![0].message).toContain('CLAIMS_FILING');
    const terminated = await advance(c.id, 2, 'TERMINATED', { on: '2026-01-11' });
    expect(terminated.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'stage' });
    const earlier = await advance(c.id, 2, 'CLAIMS_FILING', { on: '2026-01-09' });
    expect(earlier.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'on', rule: 'order' });
    const numberOffAcceptance = await advance(c.id, 2, 'CLAIMS_FILING', { on: '2026-01-12', caseNumber: proceedingNumber() });
    expect(numberOffAcceptance.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'caseNumber', rule: 'stage' });
    expect(await counts()).toEqual(before);
  });

  it('a failed reorganisation goes from PLAN to DECLARED_BANKRUPT and continues as a liquidation', async () => {
    const c = await register({ procedure: 'REORGANIZATION', stage: 'PLAN', caseNumber: proceedingNumber(), stageOn: '2026-03-01' });
    const declared = await advance(c.id, 1, 'DECLARED_BANKRUPT', { on: '2026-09-01' });
    expect(declared.data.advanceCaseStage).toMatchObject({ stage: 'DECLARED_BANKRUPT', procedure: 'LIQUIDATION', version: 2 });
    expect(declared.data.advanceCaseStage.stageHistory.at(-1)).toMatchObject({ fromProcedure: 'REORGANIZATION', toProcedure: 'LIQUIDATION' });
    // A reorganisation carried out ends TERMINATED (终止), never CLOSED (终结).
    const ok = await register({ procedure: 'REORGANIZATION', stage: 'PLAN_EXECUTION', caseNumber: proceedingNumber(), stageOn: '2026-03-01' });
    expect(codeOf(await advance(ok.id, 1, 'CLOSED'))).toBe('BAD_USER_INPUT');
    expect((await advance(ok.id, 1, 'TERMINATED')).data.advanceCaseStage).toMatchObject({ stage: 'TERMINATED', procedure: 'REORGANIZATION' });
  });

  it('a liquidation converts to reorganisation before the declaration, not after', async () => {
    const c = await register({ stage: 'CREDITORS_MEETING', caseNumber: proceedingNumber(), stageOn: '2026-03-01' });
    const converted = await advance(c.id, 1, 'PLAN', { toProcedure: 'REORGANIZATION' });
    expect(converted.data.advanceCaseStage).toMatchObject({ stage: 'PLAN', procedure: 'REORGANIZATION', version: 2 });
    const late = await register({ stage: 'DECLARED_BANKRUPT', caseNumber: proceedingNumber(), stageOn: '2026-03-01' });
    const refused = await advance(late.id, 1, 'DECLARED_BANKRUPT', { toProcedure: 'REORGANIZATION' });
    expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'toProcedure', rule: 'conversion' });
  });

  it('a pre-reorganisation becomes a reorganisation when a court accepts it, with its first number', async () => {
    const c = await register({ procedure: 'PRE_REORGANIZATION', caseNumber: null, stageOn: '2026-02-01' });
    const plan = await advance(c.id, 1, 'PLAN', { on: '2026-03-01' });
    expect(plan.data.advanceCaseStage).toMatchObject({ stage: 'PLAN', procedure: 'PRE_REORGANIZATION' });
    const number = proceedingNumber();
    const accepted = await advance(c.id, 2, 'ACCEPTED', { on: '2026-06-01', caseNumber: number });
    expect(accepted.data.advanceCaseStage).toMatchObject({
      stage: 'ACCEPTED',
      procedure: 'REORGANIZATION',
      caseNumbers: [number],
      acceptedOn: '2026-06-01',
    });
  });

  it('only the owning court or the office moves a case (FORBIDDEN for another court), nothing written', async () => {
    const c = await register({});
    const before = await counts();
    expect(codeOf(await advance(c.id, 1, 'ACCEPTED', {}, keys.COURT2))).toBe('FORBIDDEN');
    expect(codeOf(await advance(c.id, 1, 'ACCEPTED', {}, keys.TAX))).toBe('FORBIDDEN');
    expect(await counts()).toEqual(before);
    const byOffice = await advance(c.id, 1, 'ACCEPTED', {}, keys.OFFICE);
    expect(byOffice.data.advanceCaseStage).toMatchObject({ stage: 'ACCEPTED', version: 2 });
  });

  it('a case that does not exist, or a malformed id, is NOT_FOUND', async () => {
    expect(codeOf(await advance(randomUUID(), 1, 'ACCEPTED'))).toBe('NOT_FOUND');
    expect(codeOf(await advance('not-a-uuid', 1, 'ACCEPTED'))).toBe('NOT_FOUND');
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('editing with expectedVersion', () => {
  it('an edit sets what it names, null clears, omitted keeps; the risk level follows the risks', async () => {
    const c = await register({ employeesAffected: 10, petitionRisk: 'RED', administrator: '某所', handlingPlan: '预案' });
    expect(c.riskLevel).toBe('RED');
    const edited = await t.gql(
      UPDATE,
      { input: { caseId: c.id, expectedVersion: 1, petitionRisk: null, socialStabilityRisk: 'YELLOW', administrator: null, wagesOwed: '500' } },
      keys.COURT,
    );
    expect(edited.errors).toBeUndefined();
    expect(edited.data.updateCase).toMatchObject({
      version: 2,
      petitionRisk: null,
      socialStabilityRisk: 'YELLOW',
      riskLevel: 'YELLOW',
      administrator: null,
      handlingPlan: '预案',
      employeesAffected: 10,
      wagesOwed: '500.00',
    });
    const [event] = await sql<any>(
      t.databaseUrl,
      `select kind, risk_level, payload->>'version' as version from change_event where case_id = $1 and kind = 'UPDATED'`,
      [c.id],
    );
    expect(event).toMatchObject({ kind: 'UPDATED', risk_level: 3, version: '2' });
  });

  it('an edit that changes nothing keeps the version and writes nothing', async () => {
    const c = await register({ employeesAffected: 10 });
    const before = await counts();
    const same = await t.gql(UPDATE, { input: { caseId: c.id, expectedVersion: 1, employeesAffected: 10, major: false } }, keys.COURT);
    expect(same.data.updateCase.version).toBe(1);
    expect(await counts()).toEqual(before);
  });

  it('marking a case sensitive restricts it unless told otherwise', async () => {
    const c = await register({});
    const edited = await t.gql(UPDATE, { input: { caseId: c.id, expectedVersion: 1, sensitive: true } }, keys.COURT);
    expect(edited.data.updateCase).toMatchObject({ sensitive: true, classification: 'RESTRICTED', version: 2 });
    expect(codeOf(await t.gql(`query($id: ID) { case(id: $id) { id } }`, { id: c.id }, keys.TAX))).toBe('NOT_FOUND');
  });

  it('an edit shares a RESTRICTED case with a unit: it sees it from then on; an unknown unit code is refused', async () => {
    const c = await register({ sensitive: true });
    const byId = `query($id: ID) { case(id: $id) { id version sharedWithUnits } }`;
    expect(codeOf(await t.gql(byId, { id: c.id }, keys.TAX))).toBe('NOT_FOUND');
    const unknown = await t.gql(UPDATE, { input: { caseId: c.id, expectedVersion: 1, sharedWithUnits: ['YC-NOBODY'] } }, keys.COURT);
    expect(unknown.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sharedWithUnits', rule: 'unit' });
    const shared = await t.gql(UPDATE, { input: { caseId: c.id, expectedVersion: 1, sharedWithUnits: ['yc-tax'] } }, keys.COURT);
    expect(shared.data.updateCase).toMatchObject({ classification: 'RESTRICTED', sharedWithUnits: ['YC-TAX'], version: 2 });
    expect((await t.gql(byId, { id: c.id }, keys.TAX)).data.case).toMatchObject({ id: c.id, version: 2 });
  });

  it('a stale expectedVersion is CONFLICT with the current version; nothing written', async () => {
    const c = await register({});
    await t.gql(UPDATE, { input: { caseId: c.id, expectedVersion: 1, major: true } }, keys.COURT);
    const before = await counts();
    const stale = await t.gql(UPDATE, { input: { caseId: c.id, expectedVersion: 1, creditors: 5 } }, keys.OFFICE);
    expect(stale.errors![0].extensions).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    const staleMove = await advance(c.id, 1, 'ACCEPTED');
    expect(staleMove.errors![0].extensions).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    expect(await counts()).toEqual(before);
  });

  it('the court and the office editing at once: exactly one wins, the other gets CONFLICT, nothing is overwritten silently', async () => {
    for (let round = 0; round < 5; round++) {
      const c = await register({});
      const [court, office] = await Promise.all([
        t.gql(UPDATE, { input: { caseId: c.id, expectedVersion: 1, creditors: 100, administrator: '法院指定' } }, keys.COURT),
        t.gql(UPDATE, { input: { caseId: c.id, expectedVersion: 1, creditors: 200, handlingPlan: '办公室预案' } }, keys.OFFICE),
      ]);
      const winners = [court, office].filter((r) => !r.errors);
      expect(winners).toHaveLength(1);
      const loser = [court, office].find((r) => r.errors)!;
      expect(loser.errors![0].extensions).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
      const [row] = await sql<any>(t.databaseUrl, 'select version, creditors, administrator, handling_plan from bankruptcy_case where id = $1', [
        c.id,
      ]);
      if (winners[0] === court) expect(row).toEqual({ version: 2, creditors: 100, administrator: '法院指定', handling_plan: null });
      else expect(row).toEqual({ version: 2, creditors: 200, administrator: null, handling_plan: '办公室预案' });
    }
  });

  it('a stage move racing an edit: one wins, the other is CONFLICT', async () => {
    const c = await register({});
    const [move, edit] = await Promise.all([
      advance(c.id, 1, 'ACCEPTED'),
      t.gql(UPDATE, { input: { caseId: c.id, expectedVersion: 1, major: true } }, keys.OFFICE),
    ]);
    expect([move, edit].filter((r) => !r.errors)).toHaveLength(1);
    expect([move, edit].map(codeOf).filter(Boolean)).toEqual(['CONFLICT']);
  });
});
