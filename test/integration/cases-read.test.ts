/**
 * Reading the case ledger (issue 4) through GraphQL over HTTP: visibility of RESTRICTED cases on every read and
 * write path with two courts, two other member units and the office; FORBIDDEN for units that see but do not own
 * a case; progress entries (each kind's fields, idempotency, the timeline, the change log); filters, orders and
 * cursor paging; and the number of SQL statements a page of cases costs (DataLoaders).
 */
import { randomUUID } from 'node:crypto';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { sql } from '../support/db';
import { statementCounter } from '../support/statements';
import { startTestHub, type GqlResult, type TestHub } from '../support/hub';

/** A valid USCC from its first 17 characters. */
const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
/** A valid USCC whose division digits are `division` (e.g. 140802, 盐湖区), numbered `n`. */
const debtorIn = (division: string, n: number) => uscc(`91${division}MA0K${String(n).padStart(5, '0')}`);
const yanhu = (n: number) => debtorIn('140802', n);
/** The court codes (法院代字) of the test's courts: 运城中院 and 盐湖区法院. */
const COURT_CODES: Record<string, string> = { COURT: '晋08', COURT2: '晋0802' };
/** An application-review number (破申) and a proceeding's number (破), of 运城中院 unless another court code is given. */
const reviewNumber = (n: number, court = '晋08') => `（2026）${court}破申${n}号`;
const proceedingNumber = (n: number, court = '晋08') => `（2026）${court}破${n}号`;

const CASE_FIELDS = `id caseNumber caseNumbers debtorName regionCode procedure stage major sensitive classification
  sharedWithUnits sharedWithKinds riskLevel employeesAffected administrator version registeredAt updatedAt court { code } debtor { uscc }`;
const PROGRESS_FIELDS = `id kind occurredOn summary amount claimType assetType riskLevel addressedTo inReplyTo details recordedAt unit { code }`;

const REGISTER = `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { ${CASE_FIELDS} } }`;
const ADVANCE = `mutation($input: AdvanceCaseStageInput!) { advanceCaseStage(input: $input) { id stage version caseNumbers } }`;
const UPDATE = `mutation($input: UpdateCaseInput!) { updateCase(input: $input) { id version administrator } }`;
const ADD_NUMBER = `mutation($input: AddCaseNumberInput!) { addCaseNumber(input: $input) { id version caseNumbers } }`;
const ADD_PROGRESS = `mutation($input: AddCaseProgressInput!) {
  addCaseProgress(input: $input) { replayed progress { ${PROGRESS_FIELDS} case { id version } } }
}`;
const CASE_BY_ID = `query($id: ID) { case(id: $id) { ${CASE_FIELDS} } }`;
const CASE_BY_NUMBER = `query($caseNumber: CaseNumber) { case(caseNumber: $caseNumber) { id caseNumbers } }`;
const TIMELINE = `query($id: ID, $last: Int) { case(id: $id) { id version updatedAt progress(last: $last) { ${PROGRESS_FIELDS} } } }`;
const LIST = `query($filter: CaseFilter, $orderBy: CaseOrder, $first: Int, $after: String) {
  cases(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { ${CASE_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const ENTERPRISE_CASES = `query($uscc: USCC!) { enterprise(uscc: $uscc) { uscc cases { id } } }`;

const codeOf = (result: GqlResult) => result.errors?.[0]?.extensions?.code;
const extensionsOf = (result: GqlResult) => result.errors?.[0]?.extensions;
const sorted = (list: string[]) => [...list].sort();

async function registerOk(t: TestHub, key: string, input: Record<string, unknown>) {
  const result = await t.gql(REGISTER, { input: { procedure: 'LIQUIDATION', appliedOn: '2026-02-01', ...input } }, key);
  expect(result.errors).toBeUndefined();
  return result.data.registerCase;
}

async function progressOk(t: TestHub, key: string, input: Record<string, unknown>) {
  const result = await t.gql(ADD_PROGRESS, { input: { kind: 'NOTE', summary: '进展', ...input } }, key);
  expect(result.errors).toBeUndefined();
  return result.data.addCaseProgress as { replayed: boolean; progress: Record<string, any> };
}

/** What the tables a write touches hold: counts, and a digest of every case row. */
async function writes(t: TestHub) {
  const [row] = await sql<Record<string, unknown>>(
    t.databaseUrl,
    `select (select count(*) from change_event)::int as events, (select count(*) from change_commit)::int as commits,
       (select count(*) from case_progress)::int as progress, (select count(*) from audit_record)::int as audit,
       (select count(*) from case_number)::int as numbers, (select count(*) from case_stage_change)::int as stages,
       (select md5(coalesce(string_agg(c::text, '|' order by c.id), '')) from bankruptcy_case c) as cases`,
  );
  return row;
}

/** What a caller sees of an answer, with the id or number it named replaced (to compare two refusals). */
function seen(result: GqlResult, named: string) {
  return {
    status: result.status,
    data: result.data ?? null,
    errors: (result.errors ?? []).map((error) => ({ ...error, message: error.message.split(named).join('<named>') })),
  };
}

/** The four writes on a case, with inputs that its owning court may make on a new case at APPLIED. */
const writesOn = (caseId: string): [string, string, Record<string, unknown>][] => [
  ['advanceCaseStage', ADVANCE, { caseId, toStage: 'ACCEPTED', expectedVersion: 1, on: '2026-04-01', caseNumber: proceedingNumber(900) }],
  ['updateCase', UPDATE, { caseId, expectedVersion: 1, administrator: '山西某律师事务所' }],
  ['addCaseNumber', ADD_NUMBER, { caseId, caseNumber: reviewNumber(901) }],
  ['addCaseProgress', ADD_PROGRESS, { caseId, kind: 'NOTE', summary: '协调会纪要' }],
];

// ---------------------------------------------------------------------------------------------------------------
describe('visibility: two courts, the tax bureau, the central bank and the office', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const E = { shared: yanhu(1), sensitive: yanhu(2), toTax: yanhu(3), toPboc: yanhu(4), court2: yanhu(5) };
  const N = {
    shared: reviewNumber(1),
    sensitive: reviewNumber(2),
    toTax: reviewNumber(3),
    toPboc: reviewNumber(4),
    court2: reviewNumber(5, COURT_CODES.COURT2),
  };
  type Name = keyof typeof E;
  const names = Object.keys(E) as Name[];
  /** Which cases each viewer may see. */
  const sees: Record<string, Name[]> = {
    OFFICE: ['shared', 'sensitive', 'toTax', 'toPboc', 'court2'],
    COURT: ['shared', 'sensitive', 'toTax', 'toPboc'],
    COURT2: ['shared', 'court2'],
    TAX: ['shared', 'toTax'],
    PBOC: ['shared', 'toPboc'],
  };
  const viewers = Object.keys(sees);
  const invisible = (viewer: string) => names.filter((name) => !sees[viewer].includes(name));

  beforeAll(async () => {
    t = await startTestHub();
    keys.OFFICE = t.adminKey;
    keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', COURT_CODES.COURT);
    keys.COURT2 = await t.keyFor('YC-COURT2', ['PUBLISH', 'READ'], 'COURT', COURT_CODES.COURT2);
    keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    keys.PBOC = await t.keyFor('YC-PBOC', ['PUBLISH', 'READ'], 'PBOC');
    const register = async (name: Name, key: string, input: Record<string, unknown>) => {
      ids[name] = (await registerOk(t, key, { caseNumber: N[name], debtorUscc: E[name], debtorName: `${name}有限公司`, ...input })).id;
      await progressOk(t, key, { caseId: ids[name], summary: `${name} 的进展` });
    };
    await register('shared', keys.COURT, {});
    await register('sensitive', keys.COURT, { sensitive: true });
    await register('toTax', keys.COURT, { classification: 'RESTRICTED', sharedWithUnits: ['yc-tax'] });
    await register('toPboc', keys.COURT, { classification: 'RESTRICTED', sharedWithKinds: ['PBOC'] });
    await register('court2', keys.COURT2, { sensitive: true });
  });
  afterAll(() => t?.stop());

  it('a sensitive case is RESTRICTED by default; classification and sharing are kept as given', async () => {
    const read = async (name: Name) => (await t.gql(CASE_BY_ID, { id: ids[name] })).data.case;
    expect(await read('shared')).toMatchObject({
      classification: 'SHARED',
      sensitive: false,
      sharedWithUnits: [],
      sharedWithKinds: [],
      court: { code: 'YC-COURT' },
    });
    expect(await read('sensitive')).toMatchObject({ classification: 'RESTRICTED', sensitive: true, sharedWithUnits: [], sharedWithKinds: [] });
    expect(await read('toTax')).toMatchObject({ classification: 'RESTRICTED', sensitive: false, sharedWithUnits: ['YC-TAX'], sharedWithKinds: [] });
    expect(await read('toPboc')).toMatchObject({ classification: 'RESTRICTED', sharedWithUnits: [], sharedWithKinds: ['PBOC'] });
    expect(await read('court2')).toMatchObject({ classification: 'RESTRICTED', sensitive: true, court: { code: 'YC-COURT2' } });
  });

  it.each(viewers)('cases and totalCount show %s exactly the cases it may see', async (viewer) => {
    const result = await t.gql(LIST, { first: 100 }, keys[viewer]);
    expect(result.errors).toBeUndefined();
    expect(sorted(result.data.cases.edges.map((edge: any) => edge.node.id))).toEqual(sorted(sees[viewer].map((name) => ids[name])));
    expect(result.data.cases.totalCount).toBe(sees[viewer].length);
  });

  it.each(viewers)('a filter naming a case %s may not see finds nothing, like an unknown debtor', async (viewer) => {
    for (const name of names) {
      const result = await t.gql(LIST, { filter: { debtorUscc: E[name] }, first: 10 }, keys[viewer]);
      expect(result.errors).toBeUndefined();
      const visible = sees[viewer].includes(name);
      expect(result.data.cases.totalCount).toBe(visible ? 1 : 0);
      expect(result.data.cases.edges.map((edge: any) => edge.node.id)).toEqual(visible ? [ids[name]] : []);
    }
  });

  it.each(viewers)('case(id) answers %s the cases it sees; any other is NOT_FOUND exactly like an unknown id', async (viewer) => {
    const unknownId = randomUUID();
    const unknown = await t.gql(CASE_BY_ID, { id: unknownId }, keys[viewer]);
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    for (const name of names) {
      const result = await t.gql(CASE_BY_ID, { id: ids[name] }, keys[viewer]);
      if (sees[viewer].includes(name)) {
        expect(result.errors).toBeUndefined();
        expect(result.data.case).toMatchObject({ id: ids[name], caseNumber: N[name], debtor: { uscc: E[name] } });
      } else {
        expect(codeOf(result)).toBe('NOT_FOUND');
        expect(seen(result, ids[name])).toEqual(seen(unknown, unknownId));
      }
    }
  });

  it.each(viewers)('case(caseNumber) answers %s the cases it sees; any other is NOT_FOUND exactly like an unknown number', async (viewer) => {
    const unknownNumber = reviewNumber(999);
    const unknown = await t.gql(CASE_BY_NUMBER, { caseNumber: unknownNumber }, keys[viewer]);
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    for (const name of names) {
      const result = await t.gql(CASE_BY_NUMBER, { caseNumber: N[name] }, keys[viewer]);
      if (sees[viewer].includes(name)) {
        expect(result.errors).toBeUndefined();
        expect(result.data.case).toEqual({ id: ids[name], caseNumbers: [N[name]] });
      } else {
        expect(codeOf(result)).toBe('NOT_FOUND');
        expect(seen(result, N[name])).toEqual(seen(unknown, unknownNumber));
      }
    }
  });

  it.each(viewers)('enterprise(uscc).cases shows %s only the cases it may see', async (viewer) => {
    for (const name of names) {
      const result = await t.gql(ENTERPRISE_CASES, { uscc: E[name] }, keys[viewer]);
      expect(result.errors).toBeUndefined();
      // Each debtor here is named by one case: one named only by a RESTRICTED case exists only for those who may
      // read it (issue 10 item 5).
      if (sees[viewer].includes(name)) expect(result.data.enterprise).toEqual({ uscc: E[name], cases: [{ id: ids[name] }] });
      else expect(result.data.enterprise).toBeNull();
    }
  });

  it.each(viewers.filter((viewer) => viewer !== 'OFFICE'))(
    'every write on a case %s may not see is NOT_FOUND exactly like an unknown id, and writes nothing',
    async (viewer) => {
      const unknownId = randomUUID();
      for (const name of invisible(viewer)) {
        for (const [mutation, document, input] of writesOn(ids[name])) {
          const before = await writes(t);
          const result = await t.gql(document, { input }, keys[viewer]);
          expect([mutation, codeOf(result)]).toEqual([mutation, 'NOT_FOUND']);
          const unknown = await t.gql(document, { input: { ...input, caseId: unknownId } }, keys[viewer]);
          expect(seen(result, ids[name])).toEqual(seen(unknown, unknownId));
          expect(await writes(t)).toEqual(before);
        }
      }
      expect(invisible(viewer).length).toBeGreaterThan(0);
    },
  );

  it.each(viewers)('cases { progress } shows %s the timelines of visible cases only', async (viewer) => {
    const result = await t.gql(`{ cases(first: 100) { edges { node { id progress { summary } } } } }`, {}, keys[viewer]);
    expect(result.errors).toBeUndefined();
    const summaries = result.data.cases.edges.flatMap((edge: any) => edge.node.progress.map((entry: any) => entry.summary));
    expect(sorted(summaries)).toEqual(sorted(sees[viewer].map((name) => `${name} 的进展`)));
  });

  // The two tests below change the cases; they come last.
  it('enterprise(uscc).cases: newest first, a RESTRICTED one only for those who may see it', async () => {
    const debtor = yanhu(6);
    const older = await registerOk(t, keys.COURT, { caseNumber: reviewNumber(6), debtorUscc: debtor, debtorName: '两案有限公司' });
    const newer = await registerOk(t, keys.COURT, { caseNumber: reviewNumber(7), debtorUscc: debtor, debtorName: '两案有限公司', sensitive: true });
    const casesOf = async (key: string) => (await t.gql(ENTERPRISE_CASES, { uscc: debtor }, key)).data.enterprise.cases;
    expect(await casesOf(keys.OFFICE)).toEqual([{ id: newer.id }, { id: older.id }]);
    expect(await casesOf(keys.COURT)).toEqual([{ id: newer.id }, { id: older.id }]);
    expect(await casesOf(keys.TAX)).toEqual([{ id: older.id }]);
  });

  it('a change of sharing changes who sees the case at once, on every read path', async () => {
    const reads = async (key: string) => ({
      byId: codeOf(await t.gql(CASE_BY_ID, { id: ids.toTax }, key)) ?? 'OK',
      listed: (await t.gql(LIST, { filter: { debtorUscc: E.toTax } }, key)).data.cases.totalCount,
      // The debtor is named by this case only: it exists for a unit exactly while the unit may read the case.
      nested: (await t.gql(ENTERPRISE_CASES, { uscc: E.toTax }, key)).data.enterprise?.cases.length ?? 'no enterprise',
    });
    expect(await reads(keys.TAX)).toEqual({ byId: 'OK', listed: 1, nested: 1 });
    expect(await reads(keys.PBOC)).toEqual({ byId: 'NOT_FOUND', listed: 0, nested: 'no enterprise' });
    const edited = await t.gql(
      UPDATE,
      { input: { caseId: ids.toTax, expectedVersion: 1, sharedWithUnits: [], sharedWithKinds: ['PBOC'] } },
      keys.COURT,
    );
    expect(edited.errors).toBeUndefined();
    expect(await reads(keys.TAX)).toEqual({ byId: 'NOT_FOUND', listed: 0, nested: 'no enterprise' });
    expect(await reads(keys.PBOC)).toEqual({ byId: 'OK', listed: 1, nested: 1 });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('FORBIDDEN for a unit that sees a case but does not own it', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestHub();
    keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', COURT_CODES.COURT);
    keys.COURT2 = await t.keyFor('YC-COURT2', ['PUBLISH', 'READ'], 'COURT', COURT_CODES.COURT2);
    keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    keys.TAX_READER = await t.keyFor('YC-TAX', ['READ'], 'TAX');
    ids.shared = (await registerOk(t, keys.COURT, { caseNumber: reviewNumber(1), debtorUscc: yanhu(1), debtorName: '共享案件有限公司' })).id;
    ids.toTax = (
      await registerOk(t, keys.COURT, {
        caseNumber: reviewNumber(2),
        debtorUscc: yanhu(2),
        debtorName: '限定案件有限公司',
        classification: 'RESTRICTED',
        sharedWithUnits: ['YC-TAX'],
      })
    ).id;
  });
  afterAll(() => t?.stop());

  const seers: [string, string][] = [
    ['COURT2', 'shared'],
    ['TAX', 'shared'],
    ['TAX', 'toTax'],
  ];

  it.each(seers)('%s sees the %s case but may not advance, update or number it: FORBIDDEN, nothing written', async (viewer, name) => {
    const read = await t.gql(CASE_BY_ID, { id: ids[name] }, keys[viewer]);
    expect(read.data.case.id).toBe(ids[name]);
    for (const [mutation, document, input] of writesOn(ids[name]).filter(([mutation]) => mutation !== 'addCaseProgress')) {
      const before = await writes(t);
      const result = await t.gql(document, { input }, keys[viewer]);
      expect([mutation, codeOf(result)]).toEqual([mutation, 'FORBIDDEN']);
      expect(result.data).toBeNull();
      expect(await writes(t)).toEqual(before);
    }
    const after = await t.gql(CASE_BY_ID, { id: ids[name] });
    expect(after.data.case).toMatchObject({ version: 1, stage: 'APPLIED', caseNumbers: [read.data.case.caseNumber], administrator: null });
  });

  it.each(seers)('%s may still add progress to the %s case', async (viewer, name) => {
    const added = await progressOk(t, keys[viewer], {
      caseId: ids[name],
      kind: 'CLAIM_FILED',
      claimType: 'TAX',
      amount: '12000.5',
      summary: `${viewer} 申报债权`,
    });
    expect(added.replayed).toBe(false);
    expect(added.progress).toMatchObject({
      kind: 'CLAIM_FILED',
      amount: '12000.50',
      claimType: 'TAX',
      unit: { code: `YC-${viewer}` },
      case: { id: ids[name], version: 1 },
    });
    const timeline = await t.gql(TIMELINE, { id: ids[name] }, keys[viewer]);
    expect(timeline.data.case.progress.map((entry: any) => entry.id)).toContain(added.progress.id);
  });

  it('a credential without PUBLISH may not add progress: FORBIDDEN, nothing written', async () => {
    const before = await writes(t);
    const result = await t.gql(ADD_PROGRESS, { input: { caseId: ids.shared, kind: 'NOTE', summary: '只读' } }, keys.TAX_READER);
    expect(codeOf(result)).toBe('FORBIDDEN');
    expect(await writes(t)).toEqual(before);
  });

  it('the owning court and the office make the same writes the others were refused', async () => {
    const [advance, update, number] = writesOn(ids.shared);
    const updated = await t.gql(update[1], { input: update[2] }, keys.COURT);
    expect(updated.errors).toBeUndefined();
    expect(updated.data.updateCase).toEqual({ id: ids.shared, version: 2, administrator: '山西某律师事务所' });
    const numbered = await t.gql(number[1], { input: number[2] }, t.adminKey);
    expect(numbered.errors).toBeUndefined();
    expect(numbered.data.addCaseNumber.caseNumbers).toEqual([reviewNumber(1), reviewNumber(901)]);
    const advanced = await t.gql(advance[1], { input: { ...advance[2], expectedVersion: numbered.data.addCaseNumber.version } }, t.adminKey);
    expect(advanced.errors).toBeUndefined();
    expect(advanced.data.advanceCaseStage).toMatchObject({
      stage: 'ACCEPTED',
      caseNumbers: [reviewNumber(1), reviewNumber(901), proceedingNumber(900)],
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('progress entries', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  /** P: SHARED; Q: another SHARED; R: RESTRICTED, shared with YC-TAX and the kind PUBLIC_SECURITY. */
  const ids: Record<string, string> = {};
  let requestOnP: string;
  let requestOnQ: string;
  let noteOnP: string;

  beforeAll(async () => {
    t = await startTestHub();
    keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', COURT_CODES.COURT);
    keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    keys.PBOC = await t.keyFor('YC-PBOC', ['PUBLISH', 'READ'], 'PBOC');
    ids.P = (
      await registerOk(t, keys.COURT, { caseNumber: reviewNumber(1), debtorUscc: yanhu(1), debtorName: '甲有限公司', petitionRisk: 'YELLOW' })
    ).id;
    ids.Q = (await registerOk(t, keys.COURT, { caseNumber: reviewNumber(2), debtorUscc: yanhu(2), debtorName: '乙有限公司' })).id;
    ids.R = (
      await registerOk(t, keys.COURT, {
        caseNumber: reviewNumber(3),
        debtorUscc: yanhu(3),
        debtorName: '丙有限公司',
        sensitive: true,
        sharedWithUnits: ['YC-TAX'],
        sharedWithKinds: ['PUBLIC_SECURITY'],
        petitionRisk: 'ORANGE',
      })
    ).id;
    requestOnP = (
      await progressOk(t, keys.COURT, { caseId: ids.P, kind: 'COORDINATION_REQUEST', addressedTo: ['YC-TAX'], summary: '请税务局核实欠税' })
    ).progress.id;
    requestOnQ = (await progressOk(t, keys.COURT, { caseId: ids.Q, kind: 'COORDINATION_REQUEST', addressedTo: ['YC-TAX'], summary: '请核实' }))
      .progress.id;
    noteOnP = (await progressOk(t, keys.COURT, { caseId: ids.P, kind: 'NOTE', summary: '备注' })).progress.id;
  });
  afterAll(() => t?.stop());

  /** [kind, what, field, rule, the fields given besides caseId, kind and summary] */
  const refusals: [string, string, string, string, () => Record<string, unknown>][] = [
    ['CLAIM_FILED', 'without amount', 'amount', 'required', () => ({ claimType: 'TAX' })],
    ['CLAIM_FILED', 'without claimType', 'claimType', 'required', () => ({ amount: '100.00' })],
    ['CLAIM_FILED', 'with assetType', 'assetType', 'kind', () => ({ amount: '100.00', claimType: 'BANK', assetType: 'LAND' })],
    ['ASSET_FOUND', 'without assetType', 'assetType', 'required', () => ({ amount: '10.00' })],
    ['ASSET_FOUND', 'with claimType', 'claimType', 'kind', () => ({ assetType: 'VEHICLE', claimType: 'BANK' })],
    ['COORDINATION_REQUEST', 'without addressedTo', 'addressedTo', 'required', () => ({})],
    ['COORDINATION_REQUEST', 'with an empty addressedTo', 'addressedTo', 'required', () => ({ addressedTo: [] })],
    ['COORDINATION_REQUEST', 'with amount', 'amount', 'kind', () => ({ addressedTo: ['YC-TAX'], amount: '1.00' })],
    ['COORDINATION_REPLY', 'without inReplyTo', 'inReplyTo', 'required', () => ({})],
    ['COORDINATION_REPLY', 'with addressedTo', 'addressedTo', 'kind', () => ({ inReplyTo: requestOnP, addressedTo: ['YC-TAX'] })],
    ['MEETING', 'with riskLevel', 'riskLevel', 'kind', () => ({ riskLevel: 'RED' })],
    ['MEETING', 'with claimType', 'claimType', 'kind', () => ({ claimType: 'WAGES' })],
    ['RISK_ASSESSMENT', 'without riskLevel', 'riskLevel', 'required', () => ({})],
    ['RISK_ASSESSMENT', 'with assetType', 'assetType', 'kind', () => ({ riskLevel: 'RED', assetType: 'LAND' })],
    ['NOTE', 'with inReplyTo', 'inReplyTo', 'kind', () => ({ inReplyTo: requestOnP })],
    ['NOTE', 'with addressedTo', 'addressedTo', 'kind', () => ({ addressedTo: ['YC-TAX'] })],
  ];

  it.each(refusals)('an entry of kind %s %s is BAD_USER_INPUT naming %s (rule %s), nothing written', async (kind, _what, field, rule, fields) => {
    const before = await writes(t);
    const result = await t.gql(ADD_PROGRESS, { input: { caseId: ids.P, kind, summary: '拒绝', ...fields() } }, keys.TAX);
    expect(extensionsOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field, rule });
    expect(await writes(t)).toEqual(before);
  });

  it('an empty summary is BAD_USER_INPUT naming summary, nothing written', async () => {
    const before = await writes(t);
    const result = await t.gql(ADD_PROGRESS, { input: { caseId: ids.P, kind: 'NOTE', summary: '   ' } }, keys.TAX);
    expect(extensionsOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'summary' });
    expect(await writes(t)).toEqual(before);
  });

  it.each([
    ['an unknown id', () => randomUUID()],
    ['a malformed id', () => 'not-an-id'],
    ['a NOTE of the case', () => noteOnP],
    ['a request of another case', () => requestOnQ],
  ])('a COORDINATION_REPLY to %s is BAD_USER_INPUT naming inReplyTo, nothing written', async (_what, inReplyTo) => {
    const before = await writes(t);
    const result = await t.gql(
      ADD_PROGRESS,
      { input: { caseId: ids.P, kind: 'COORDINATION_REPLY', inReplyTo: inReplyTo(), summary: '复函' } },
      keys.TAX,
    );
    expect(extensionsOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inReplyTo' });
    expect(await writes(t)).toEqual(before);
  });

  it('addressedTo must name existing units: BAD_USER_INPUT naming addressedTo, nothing written', async () => {
    const before = await writes(t);
    const result = await t.gql(
      ADD_PROGRESS,
      { input: { caseId: ids.P, kind: 'COORDINATION_REQUEST', addressedTo: ['YC-NOBODY'], summary: '请核实' } },
      keys.COURT,
    );
    expect(extensionsOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'addressedTo' });
    expect(await writes(t)).toEqual(before);
  });

  it('each kind with its own fields is accepted and read back as given', async () => {
    const base = { caseId: ids.Q, occurredOn: '2026-03-10' };
    const claim = await progressOk(t, keys.TAX, {
      ...base,
      kind: 'CLAIM_FILED',
      amount: '1234567.8',
      claimType: 'TAX',
      summary: '申报税款债权',
      details: { taxTypes: ['增值税'] },
    });
    expect(claim.progress).toMatchObject({
      kind: 'CLAIM_FILED',
      amount: '1234567.80',
      claimType: 'TAX',
      assetType: null,
      riskLevel: null,
      addressedTo: [],
      inReplyTo: null,
      details: { taxTypes: ['增值税'] },
      occurredOn: '2026-03-10',
      unit: { code: 'YC-TAX' },
    });
    const asset = await progressOk(t, keys.PBOC, { ...base, kind: 'ASSET_FOUND', assetType: 'ACCOUNT', amount: '5000', summary: '发现银行账户' });
    expect(asset.progress).toMatchObject({
      kind: 'ASSET_FOUND',
      assetType: 'ACCOUNT',
      amount: '5000.00',
      claimType: null,
      unit: { code: 'YC-PBOC' },
    });
    const request = await progressOk(t, keys.COURT, {
      ...base,
      kind: 'COORDINATION_REQUEST',
      addressedTo: ['yc-pboc', 'YC-TAX'],
      summary: '请协助查询',
    });
    expect(request.progress.kind).toBe('COORDINATION_REQUEST');
    expect(sorted(request.progress.addressedTo)).toEqual(['YC-PBOC', 'YC-TAX']);
    const reply = await progressOk(t, keys.PBOC, { ...base, kind: 'COORDINATION_REPLY', inReplyTo: request.progress.id, summary: '已查询' });
    expect(reply.progress).toMatchObject({ kind: 'COORDINATION_REPLY', inReplyTo: request.progress.id, addressedTo: [] });
    const meeting = await progressOk(t, keys.COURT, { ...base, kind: 'MEETING', summary: '联席会议' });
    expect(meeting.progress).toMatchObject({ kind: 'MEETING', amount: null, riskLevel: null });
    const assessment = await progressOk(t, keys.TAX, { ...base, kind: 'RISK_ASSESSMENT', riskLevel: 'ORANGE', summary: '风险评估' });
    expect(assessment.progress).toMatchObject({ kind: 'RISK_ASSESSMENT', riskLevel: 'ORANGE' });
    const note = await progressOk(t, keys.TAX, { ...base, kind: 'NOTE', amount: '99.9', summary: '备注金额' });
    expect(note.progress).toMatchObject({ kind: 'NOTE', amount: '99.90', details: {} });
  });

  describe('idempotency keys', () => {
    const claim = (over: Record<string, unknown> = {}) => ({
      caseId: ids.P,
      kind: 'CLAIM_FILED',
      claimType: 'SOCIAL_INSURANCE',
      amount: '30000.00',
      occurredOn: '2026-03-02',
      summary: '申报社保债权',
      idempotencyKey: 'claim-2026-001',
      ...over,
    });

    it('a retry with the same key and payload returns the same entry, replayed, and writes nothing', async () => {
      const first = await progressOk(t, keys.TAX, claim());
      expect(first.replayed).toBe(false);
      const before = await writes(t);
      const retry = await progressOk(t, keys.TAX, claim());
      expect(retry).toEqual({ replayed: true, progress: first.progress });
      expect(await writes(t)).toEqual(before);
      const rows = await sql(t.databaseUrl, 'select id from case_progress where idempotency_key = $1', ['claim-2026-001']);
      expect(rows).toEqual([{ id: first.progress.id }]);
    });

    it.each([
      ['a different amount', () => claim({ amount: '30001.00' })],
      ['a different summary', () => claim({ summary: '另一笔' })],
      ['another case', () => claim({ caseId: ids.Q })],
    ])('the same key with %s is CONFLICT and writes nothing', async (_what, input) => {
      const before = await writes(t);
      const result = await t.gql(ADD_PROGRESS, { input: input() }, keys.TAX);
      expect(codeOf(result)).toBe('CONFLICT');
      expect(await writes(t)).toEqual(before);
    });

    it('two concurrent calls with one key add one entry: one adds it, the other replays it', async () => {
      const input = claim({ idempotencyKey: 'claim-concurrent', amount: '777.00' });
      const answers = await Promise.all([progressOk(t, keys.TAX, input), progressOk(t, keys.TAX, input), progressOk(t, keys.TAX, input)]);
      expect(answers.map((answer) => answer.replayed).sort()).toEqual([false, true, true]);
      expect(new Set(answers.map((answer) => answer.progress.id)).size).toBe(1);
      const rows = await sql(t.databaseUrl, 'select id from case_progress where idempotency_key = $1', ['claim-concurrent']);
      expect(rows).toHaveLength(1);
      const events = await sql(t.databaseUrl, 'select 1 from change_event where entity_id = $1', [answers[0].progress.id]);
      expect(events).toHaveLength(1);
    });

    it('keys are per unit: another unit may use the same key for an entry of its own', async () => {
      const [taxEntry] = await sql<{ id: string }>(t.databaseUrl, 'select id from case_progress where idempotency_key = $1', ['claim-2026-001']);
      const court = await progressOk(t, keys.COURT, claim());
      expect(court.replayed).toBe(false);
      expect(court.progress.id).not.toBe(taxEntry.id);
      expect(court.progress.unit.code).toBe('YC-COURT');
    });

    it('refused attempts do not use up a key: the first accepted one adds the entry', async () => {
      const key = 'pboc-asset-1';
      const before = await writes(t);
      const notFound = await t.gql(ADD_PROGRESS, { input: { caseId: ids.R, kind: 'NOTE', summary: 'x', idempotencyKey: key } }, keys.PBOC);
      expect(codeOf(notFound)).toBe('NOT_FOUND');
      const missing = await t.gql(
        ADD_PROGRESS,
        { input: { caseId: ids.P, kind: 'ASSET_FOUND', summary: '发现土地', idempotencyKey: key } },
        keys.PBOC,
      );
      expect(extensionsOf(missing)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'assetType', rule: 'required' });
      const badReply = await t.gql(
        ADD_PROGRESS,
        { input: { caseId: ids.P, kind: 'COORDINATION_REPLY', inReplyTo: noteOnP, summary: '复函', idempotencyKey: key } },
        keys.PBOC,
      );
      expect(extensionsOf(badReply)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inReplyTo' });
      expect(await writes(t)).toEqual(before);
      const accepted = await progressOk(t, keys.PBOC, {
        caseId: ids.P,
        kind: 'ASSET_FOUND',
        assetType: 'LAND',
        summary: '发现土地',
        idempotencyKey: key,
      });
      expect(accepted.replayed).toBe(false);
      expect(accepted.progress).toMatchObject({ kind: 'ASSET_FOUND', assetType: 'LAND', unit: { code: 'YC-PBOC' } });
      const retry = await progressOk(t, keys.PBOC, {
        caseId: ids.P,
        kind: 'ASSET_FOUND',
        assetType: 'LAND',
        summary: '发现土地',
        idempotencyKey: key,
      });
      expect(retry).toEqual({ replayed: true, progress: accepted.progress });
    });
  });

  it("progress entries leave the case's version and updatedAt alone", async () => {
    const before = (await t.gql(CASE_BY_ID, { id: ids.P })).data.case;
    const added = await progressOk(t, keys.TAX, { caseId: ids.P, kind: 'RISK_ASSESSMENT', riskLevel: 'RED', summary: '风险升级' });
    await progressOk(t, keys.COURT, { caseId: ids.P, kind: 'MEETING', summary: '专题会议' });
    expect(added.progress.case).toEqual({ id: ids.P, version: before.version });
    const after = (await t.gql(CASE_BY_ID, { id: ids.P })).data.case;
    expect(after).toEqual(before);
    expect(after.version).toBe(1);
  });

  describe('the timeline', () => {
    let caseId: string;
    const summaries = (progress: any[]) => progress.map((entry) => entry.summary);

    beforeAll(async () => {
      caseId = (await registerOk(t, keys.COURT, { caseNumber: reviewNumber(10), debtorUscc: yanhu(10), debtorName: '时间线有限公司' })).id;
      // Given out of order; two on the same day keep the order they were recorded in.
      for (const [occurredOn, summary, key] of [
        ['2026-03-05', '0305', keys.TAX],
        ['2026-03-01', '0301-a', keys.PBOC],
        ['2026-03-03', '0303', keys.COURT],
        ['2026-03-01', '0301-b', keys.TAX],
        ['2026-03-04', '0304', keys.PBOC],
      ]) {
        await progressOk(t, key, { caseId, occurredOn, summary });
      }
    });

    it('progress is oldest first, by occurredOn and then the order recorded', async () => {
      const result = await t.gql(TIMELINE, { id: caseId });
      expect(summaries(result.data.case.progress)).toEqual(['0301-a', '0301-b', '0303', '0304', '0305']);
      expect(result.data.case.progress.map((entry: any) => entry.occurredOn)).toEqual([
        '2026-03-01',
        '2026-03-01',
        '2026-03-03',
        '2026-03-04',
        '2026-03-05',
      ]);
      expect(result.data.case.progress.map((entry: any) => entry.unit.code)).toEqual(['YC-PBOC', 'YC-TAX', 'YC-COURT', 'YC-PBOC', 'YC-TAX']);
    });

    it.each([
      [1, ['0305']],
      [2, ['0304', '0305']],
      [4, ['0301-b', '0303', '0304', '0305']],
      [5, ['0301-a', '0301-b', '0303', '0304', '0305']],
      [100, ['0301-a', '0301-b', '0303', '0304', '0305']],
    ])('progress(last: %i) is the most recent entries, still oldest first', async (last, expected) => {
      const result = await t.gql(TIMELINE, { id: caseId, last });
      expect(result.errors).toBeUndefined();
      expect(summaries(result.data.case.progress)).toEqual(expected);
    });

    it('the same through cases { progress(last: 3) } (the batched path)', async () => {
      const result = await t.gql(
        `query($filter: CaseFilter) { cases(filter: $filter) { edges { node { id progress(last: 3) { summary } all: progress { summary } } } } }`,
        {
          filter: { debtorUscc: yanhu(10) },
        },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data.cases.edges).toHaveLength(1);
      expect(summaries(result.data.cases.edges[0].node.progress)).toEqual(['0303', '0304', '0305']);
      expect(summaries(result.data.cases.edges[0].node.all)).toEqual(['0301-a', '0301-b', '0303', '0304', '0305']);
    });

    it.each([0, -1])('progress(last: %i) is BAD_USER_INPUT naming last', async (last) => {
      const result = await t.gql(TIMELINE, { id: caseId, last });
      expect(extensionsOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'last' });
    });

    it('progress(last: 101) is LIMIT_EXCEEDED naming MAX_NESTED_LIST (100)', async () => {
      const result = await t.gql(TIMELINE, { id: caseId, last: 101 });
      expect(extensionsOf(result)).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_NESTED_LIST', value: 100 });
    });
  });

  describe('the change log', () => {
    type EventRow = Record<string, any>;
    const eventsOf = (entityId: string) =>
      sql<EventRow>(
        t.databaseUrl,
        `select e.topic, e.kind, e.entity_id, e.case_id, e.classification, e.owner_unit_id, e.shared_unit_codes, e.shared_kinds,
           e.risk_level, e.region_code, e.uscc, e.payload, a.code as actor, c.seq is not null as committed
         from change_event e join unit a on a.id = e.actor_unit_id left join change_commit c on c.tx_id = e.tx_id
         where e.entity_id = $1`,
        [entityId],
      );
    const unitId = async (code: string) => (await sql<{ id: string }>(t.databaseUrl, 'select id from unit where code = $1', [code]))[0].id;

    it('a progress entry appends one committed CASE_PROGRESS change with the sharing of its case, the entry and the case as it is', async () => {
      const edited = await t.gql(UPDATE, { input: { caseId: ids.R, expectedVersion: 1, administrator: '山西某清算事务所' } }, keys.COURT);
      expect(edited.data.updateCase.version).toBe(2);
      const added = await progressOk(t, keys.TAX, {
        caseId: ids.R,
        kind: 'CLAIM_FILED',
        claimType: 'TAX',
        amount: '80000',
        occurredOn: '2026-03-08',
        summary: '申报欠税',
        details: { period: '2025' },
      });
      const events = await eventsOf(added.progress.id);
      expect(events).toHaveLength(1);
      const [event] = events;
      expect(event).toMatchObject({
        topic: 'CASE_PROGRESS',
        kind: 'PROGRESS_ADDED',
        case_id: ids.R,
        classification: 'RESTRICTED',
        owner_unit_id: await unitId('YC-COURT'),
        shared_unit_codes: ['YC-TAX'],
        shared_kinds: ['PUBLIC_SECURITY'],
        risk_level: 2,
        region_code: '140802',
        uscc: yanhu(3),
        actor: 'YC-TAX',
        committed: true,
      });
      expect(event.payload.progress).toMatchObject({
        id: added.progress.id,
        caseId: ids.R,
        kind: 'CLAIM_FILED',
        occurredOn: '2026-03-08',
        summary: '申报欠税',
        amount: '80000.00',
        claimType: 'TAX',
        details: { period: '2025' },
        unit: { code: 'YC-TAX', kind: 'TAX' },
      });
      expect(event.payload.case).toMatchObject({
        id: ids.R,
        version: 2,
        administrator: '山西某清算事务所',
        stage: 'APPLIED',
        caseNumbers: [reviewNumber(3)],
        classification: 'RESTRICTED',
        sharedUnitCodes: ['YC-TAX'],
        sharedKinds: ['PUBLIC_SECURITY'],
        court: { code: 'YC-COURT' },
      });
      const audit = await sql(t.databaseUrl, `select action, entity_type from audit_record where entity_id = $1`, [added.progress.id]);
      expect(audit).toEqual([{ action: 'case.addProgress', entity_type: 'CaseProgress' }]);
    });

    it('a later edit of the case does not rewrite the earlier change; a new entry carries the case as it is then', async () => {
      const [earlier] = await sql<{ entity_id: string }>(
        t.databaseUrl,
        `select entity_id from change_event where topic = 'CASE_PROGRESS' and case_id = $1 order by occurred_at limit 1`,
        [ids.R],
      );
      const edited = await t.gql(UPDATE, { input: { caseId: ids.R, expectedVersion: 2, administrator: '另一管理人' } }, keys.COURT);
      expect(edited.data.updateCase.version).toBe(3);
      const added = await progressOk(t, keys.COURT, { caseId: ids.R, kind: 'NOTE', summary: '更换管理人' });
      expect((await eventsOf(earlier.entity_id))[0].payload.case).toMatchObject({ version: 2, administrator: '山西某清算事务所' });
      expect((await eventsOf(added.progress.id))[0].payload.case).toMatchObject({ version: 3, administrator: '另一管理人' });
    });
  });

  describe("a RESTRICTED case's progress is as invisible as the case", () => {
    it('case(id) { progress } is NOT_FOUND for a unit that may not see the case, like an unknown id', async () => {
      const unknownId = randomUUID();
      const result = await t.gql(TIMELINE, { id: ids.R }, keys.PBOC);
      expect(codeOf(result)).toBe('NOT_FOUND');
      expect(seen(result, ids.R)).toEqual(seen(await t.gql(TIMELINE, { id: unknownId }, keys.PBOC), unknownId));
    });

    it('a unit it is shared with sees the whole timeline', async () => {
      const result = await t.gql(TIMELINE, { id: ids.R }, keys.TAX);
      expect(result.errors).toBeUndefined();
      expect(result.data.case.progress.map((entry: any) => entry.summary)).toEqual(['申报欠税', '更换管理人']);
    });

    it('cases { progress } of the other unit carries none of its entries', async () => {
      const rEntries = (await sql<{ id: string }>(t.databaseUrl, 'select id from case_progress where case_id = $1', [ids.R])).map((row) => row.id);
      expect(rEntries.length).toBe(2);
      const result = await t.gql(`{ cases(first: 100) { totalCount edges { node { id progress { id } } } } }`, {}, keys.PBOC);
      expect(result.errors).toBeUndefined();
      expect(result.data.cases.edges.map((edge: any) => edge.node.id)).not.toContain(ids.R);
      const seenEntries = result.data.cases.edges.flatMap((edge: any) => edge.node.progress.map((entry: any) => entry.id));
      expect(seenEntries.length).toBeGreaterThan(0);
      expect(seenEntries.filter((id: string) => rEntries.includes(id))).toEqual([]);
    });

    it('adding progress to it is NOT_FOUND for that unit, nothing written', async () => {
      const before = await writes(t);
      const result = await t.gql(ADD_PROGRESS, { input: { caseId: ids.R, kind: 'NOTE', summary: '试图添加' } }, keys.PBOC);
      expect(codeOf(result)).toBe('NOT_FOUND');
      expect(await writes(t)).toEqual(before);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('filters, orders and cursor paging', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  const LEVEL = { RED: 1, ORANGE: 2, YELLOW: 3, BLUE: 4 } as const;
  type Level = keyof typeof LEVEL;

  interface Spec {
    by: 'COURT' | 'COURT2' | 'OFFICE';
    court: 'YC-COURT' | 'YC-COURT2';
    uscc: string;
    name: string;
    region: string;
    regionCode?: string;
    procedure: string;
    stage: string;
    caseNumber: string | null;
    major: boolean;
    sensitive: boolean;
    employees: number | null;
    risks: Record<string, Level>;
    level: Level | null;
  }
  const SPECS: Spec[] = [
    {
      by: 'COURT',
      court: 'YC-COURT',
      uscc: debtorIn('140802', 101),
      name: '运城盐湖化工有限公司',
      region: '140802',
      procedure: 'LIQUIDATION',
      stage: 'APPLIED',
      caseNumber: reviewNumber(101),
      major: true,
      sensitive: false,
      employees: 120,
      risks: { petitionRisk: 'RED' },
      level: 'RED',
    },
    {
      by: 'OFFICE',
      court: 'YC-COURT',
      uscc: debtorIn('140821', 102),
      name: '临猗果业有限公司',
      region: '140821',
      procedure: 'REORGANIZATION',
      stage: 'ACCEPTED',
      caseNumber: proceedingNumber(102),
      major: false,
      sensitive: false,
      employees: 30,
      risks: { publicOpinionRisk: 'ORANGE', petitionRisk: 'BLUE' },
      level: 'ORANGE',
    },
    {
      by: 'COURT2',
      court: 'YC-COURT2',
      uscc: debtorIn('140802', 103),
      name: '盐湖物流有限公司',
      region: '140802',
      procedure: 'COMPULSORY_LIQUIDATION',
      stage: 'APPLIED',
      caseNumber: '（2026）晋0802清申103号',
      major: false,
      sensitive: false,
      employees: null,
      risks: {},
      level: null,
    },
    {
      by: 'COURT2',
      court: 'YC-COURT2',
      uscc: debtorIn('140802', 104),
      name: '西安某贸易有限公司',
      region: '610102',
      regionCode: '610102',
      procedure: 'CONCILIATION',
      stage: 'CLAIMS_FILING',
      caseNumber: proceedingNumber(104, COURT_CODES.COURT2),
      major: false,
      sensitive: true,
      employees: 500,
      risks: { socialStabilityRisk: 'YELLOW' },
      level: 'YELLOW',
    },
    {
      by: 'COURT',
      court: 'YC-COURT',
      uscc: debtorIn('140821', 105),
      name: '临猗纺织有限公司',
      region: '140821',
      procedure: 'PRE_REORGANIZATION',
      stage: 'APPLIED',
      caseNumber: null,
      major: false,
      sensitive: false,
      employees: 0,
      risks: { petitionRisk: 'BLUE' },
      level: 'BLUE',
    },
    {
      by: 'COURT',
      court: 'YC-COURT',
      uscc: debtorIn('140802', 106),
      name: '盐湖钢铁有限公司',
      region: '140802',
      procedure: 'LIQUIDATION',
      stage: 'DECLARED_BANKRUPT',
      caseNumber: proceedingNumber(106),
      major: true,
      sensitive: false,
      employees: 800,
      risks: { socialStabilityRisk: 'RED', publicOpinionRisk: 'YELLOW' },
      level: 'RED',
    },
    {
      by: 'OFFICE',
      court: 'YC-COURT2',
      uscc: debtorIn('141002', 107),
      name: '临汾尧都煤业有限公司',
      region: '141002',
      procedure: 'REORGANIZATION',
      stage: 'PLAN',
      caseNumber: proceedingNumber(107, COURT_CODES.COURT2),
      major: true,
      sensitive: false,
      employees: 60,
      risks: { socialStabilityRisk: 'ORANGE' },
      level: 'ORANGE',
    },
    {
      by: 'COURT',
      court: 'YC-COURT',
      uscc: debtorIn('140802', 108),
      name: '百分%之_测试有限公司',
      region: '140802',
      procedure: 'LIQUIDATION',
      stage: 'ACCEPTED',
      caseNumber: proceedingNumber(108),
      major: false,
      sensitive: false,
      employees: 120,
      risks: { petitionRisk: 'YELLOW' },
      level: 'YELLOW',
    },
  ];
  /** Case id of each spec, in registration order. */
  const ids: string[] = [];
  const nodes: Record<string, any>[] = [];
  let updatedLast: { id: string; updatedAt: string };
  const all = () => sorted(ids);
  const expected = (keep: (spec: Spec) => boolean) => sorted(ids.filter((_, i) => keep(SPECS[i])));

  beforeAll(async () => {
    t = await startTestHub();
    keys.OFFICE = t.adminKey;
    keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', COURT_CODES.COURT);
    keys.COURT2 = await t.keyFor('YC-COURT2', ['PUBLISH', 'READ'], 'COURT', COURT_CODES.COURT2);
    for (const spec of SPECS) {
      const node = await registerOk(t, keys[spec.by], {
        ...(spec.by === 'OFFICE' ? { court: spec.court } : {}),
        caseNumber: spec.caseNumber,
        debtorUscc: spec.uscc,
        debtorName: spec.name,
        ...(spec.regionCode ? { regionCode: spec.regionCode } : {}),
        procedure: spec.procedure,
        stage: spec.stage,
        ...(spec.stage === 'APPLIED' ? {} : { acceptedOn: '2026-02-10' }),
        major: spec.major,
        sensitive: spec.sensitive,
        employeesAffected: spec.employees,
        ...spec.risks,
      });
      ids.push(node.id);
      nodes.push(node);
    }
    // The second case is edited last: most recently updated, though registered early.
    const edited = await t.gql(UPDATE, { input: { caseId: ids[1], expectedVersion: 1, administrator: '山西某律师事务所' } }, keys.OFFICE);
    expect(edited.errors).toBeUndefined();
    updatedLast = (await t.gql(CASE_BY_ID, { id: ids[1] })).data.case;
  });
  afterAll(() => t?.stop());

  async function list(variables: Record<string, unknown>, key = t.adminKey) {
    const result = await t.gql(LIST, { first: 100, ...variables }, key);
    expect(result.errors).toBeUndefined();
    return result.data.cases;
  }
  const idsFor = async (filter: Record<string, unknown>, key?: string) =>
    sorted((await list({ filter }, key)).edges.map((edge: any) => edge.node.id));

  it('registration: region from the USCC division digits unless given, risk level the most severe of the three, court as named', () => {
    SPECS.forEach((spec, i) => {
      expect(nodes[i]).toMatchObject({
        regionCode: spec.region,
        riskLevel: spec.level,
        court: { code: spec.court },
        procedure: spec.procedure,
        stage: spec.stage,
        caseNumber: spec.caseNumber,
        classification: spec.sensitive ? 'RESTRICTED' : 'SHARED',
      });
    });
  });

  it('no filter: every case, totalCount 8', async () => {
    const connection = await list({});
    expect(sorted(connection.edges.map((edge: any) => edge.node.id))).toEqual(all());
    expect(connection.totalCount).toBe(SPECS.length);
  });

  it('stages and procedures', async () => {
    expect(await idsFor({ stages: ['APPLIED'] })).toEqual(expected((s) => s.stage === 'APPLIED'));
    expect(await idsFor({ stages: ['ACCEPTED', 'PLAN'] })).toEqual(expected((s) => ['ACCEPTED', 'PLAN'].includes(s.stage)));
    expect(await idsFor({ stages: ['CLOSED'] })).toEqual([]);
    expect(await idsFor({ procedures: ['REORGANIZATION'] })).toEqual(expected((s) => s.procedure === 'REORGANIZATION'));
    expect(await idsFor({ procedures: ['COMPULSORY_LIQUIDATION', 'PRE_REORGANIZATION'] })).toEqual(
      expected((s) => ['COMPULSORY_LIQUIDATION', 'PRE_REORGANIZATION'].includes(s.procedure)),
    );
  });

  it('courts (unit codes, any case)', async () => {
    expect(await idsFor({ courts: ['yc-court2'] })).toEqual(expected((s) => s.court === 'YC-COURT2'));
    expect(await idsFor({ courts: ['YC-COURT', 'YC-COURT2'] })).toEqual(all());
    expect(await idsFor({ courts: ['YC-NOBODY'] })).toEqual([]);
  });

  it('regionPrefix of 2, 4 or 6 digits (a 6-digit code ending in 00 means its prefix)', async () => {
    expect(await idsFor({ regionPrefix: '14' })).toEqual(expected((s) => s.region.startsWith('14')));
    expect(await idsFor({ regionPrefix: '61' })).toEqual(expected((s) => s.region.startsWith('61')));
    expect(await idsFor({ regionPrefix: '1408' })).toEqual(expected((s) => s.region.startsWith('1408')));
    expect(await idsFor({ regionPrefix: '140800' })).toEqual(expected((s) => s.region.startsWith('1408')));
    expect(await idsFor({ regionPrefix: '140821' })).toEqual(expected((s) => s.region === '140821'));
    expect(await idsFor({ regionPrefix: '1410' })).toEqual(expected((s) => s.region.startsWith('1410')));
    const bad = await t.gql(LIST, { filter: { regionPrefix: '140' }, first: 10 });
    expect(extensionsOf(bad)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'regionPrefix' });
  });

  it('major and sensitive flags', async () => {
    expect(await idsFor({ major: true })).toEqual(expected((s) => s.major));
    expect(await idsFor({ major: false })).toEqual(expected((s) => !s.major));
    expect(await idsFor({ sensitive: true })).toEqual(expected((s) => s.sensitive));
    expect(await idsFor({ sensitive: false })).toEqual(expected((s) => !s.sensitive));
  });

  it('minRiskLevel: at least this severe; cases without a risk level never match', async () => {
    for (const level of Object.keys(LEVEL) as Level[]) {
      expect(await idsFor({ minRiskLevel: level })).toEqual(expected((s) => s.level !== null && LEVEL[s.level] <= LEVEL[level]));
    }
  });

  it('debtorUscc and debtorName (a fragment, with % and _ taken literally)', async () => {
    expect(await idsFor({ debtorUscc: SPECS[1].uscc })).toEqual([ids[1]]);
    expect(await idsFor({ debtorUscc: SPECS[1].uscc.toLowerCase() })).toEqual([ids[1]]);
    expect(await idsFor({ debtorName: '盐湖' })).toEqual(expected((s) => s.name.includes('盐湖')));
    expect(await idsFor({ debtorName: '果业' })).toEqual([ids[1]]);
    expect(await idsFor({ debtorName: '%' })).toEqual([ids[7]]);
    expect(await idsFor({ debtorName: '_' })).toEqual([ids[7]]);
    expect(await idsFor({ debtorName: '不存在' })).toEqual([]);
  });

  it('updatedSince: cases registered, moved or edited at or after the time', async () => {
    expect(await idsFor({ updatedSince: updatedLast.updatedAt })).toEqual([ids[1]]);
    expect(await idsFor({ updatedSince: nodes[7].registeredAt })).toEqual(sorted([ids[1], ids[7]]));
    expect(await idsFor({ updatedSince: new Date(Date.now() + 3_600_000).toISOString() })).toEqual([]);
  });

  it('filters combine (and): ORANGE or worse, at YC-COURT, in 1408', async () => {
    expect(await idsFor({ minRiskLevel: 'ORANGE', courts: ['YC-COURT'], regionPrefix: '1408' })).toEqual(
      expected((s) => s.level !== null && LEVEL[s.level] <= 2 && s.court === 'YC-COURT' && s.region.startsWith('1408')),
    );
  });

  it("a court's filters keep its visibility: YC-COURT does not find YC-COURT2's sensitive case", async () => {
    expect(await idsFor({}, keys.COURT)).toEqual(expected((s) => !s.sensitive || s.court === 'YC-COURT'));
    expect(await idsFor({ sensitive: true }, keys.COURT)).toEqual([]);
    expect(await idsFor({ sensitive: true }, keys.COURT2)).toEqual([ids[3]]);
    expect((await list({ filter: { regionPrefix: '61' } }, keys.COURT)).totalCount).toBe(0);
  });

  /** The expected order: by the value (nulls as the hub's rule puts them), ties by id in the same direction. */
  function expectedOrder(field: string, direction: 'ASC' | 'DESC'): string[] {
    const order = ids.map((id, i) => ({ id, i }));
    const value = ({ i }: { i: number }): number => {
      const spec = SPECS[i];
      if (field === 'REGISTERED_AT') return i;
      if (field === 'UPDATED_AT') return i === 1 ? SPECS.length : i;
      if (field === 'SEVERITY') return spec.level === null ? 0 : 5 - LEVEL[spec.level];
      return spec.employees ?? -1;
    };
    order.sort((a, b) => value(a) - value(b) || (a.id < b.id ? -1 : 1));
    const ascending = order.map((entry) => entry.id);
    return direction === 'ASC' ? ascending : ascending.reverse();
  }
  const ORDERS: [string, 'ASC' | 'DESC'][] = ['UPDATED_AT', 'REGISTERED_AT', 'SEVERITY', 'EMPLOYEES_AFFECTED'].flatMap((field) => [
    [field, 'DESC'] as [string, 'ASC' | 'DESC'],
    [field, 'ASC'] as [string, 'ASC' | 'DESC'],
  ]);

  it('the default order is UPDATED_AT DESC: the case edited last comes first', async () => {
    const connection = await list({});
    expect(connection.edges.map((edge: any) => edge.node.id)).toEqual(expectedOrder('UPDATED_AT', 'DESC'));
    expect(connection.edges[0].node.id).toBe(ids[1]);
  });

  it.each(ORDERS)('orderBy %s %s', async (field, direction) => {
    const connection = await list({ orderBy: { field, direction } });
    expect(connection.edges.map((edge: any) => edge.node.id)).toEqual(expectedOrder(field, direction));
  });

  it('SEVERITY DESC puts RED first and cases without a risk level last; EMPLOYEES_AFFECTED DESC is by number', async () => {
    const severity = await list({ orderBy: { field: 'SEVERITY', direction: 'DESC' } });
    expect(severity.edges.map((edge: any) => edge.node.riskLevel)).toEqual(['RED', 'RED', 'ORANGE', 'ORANGE', 'YELLOW', 'YELLOW', 'BLUE', null]);
    const employees = await list({ orderBy: { field: 'EMPLOYEES_AFFECTED', direction: 'DESC' } });
    expect(employees.edges.map((edge: any) => edge.node.employeesAffected)).toEqual([800, 500, 120, 120, 60, 30, 0, null]);
  });

  it.each(ORDERS)('paging by %s %s with first: 3 returns every case exactly once, in order', async (field, direction) => {
    const paged: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (; pages < 10; pages++) {
      const connection = await list({ orderBy: { field, direction }, first: 3, after });
      expect(connection.totalCount).toBe(SPECS.length);
      expect(connection.edges.length).toBeLessThanOrEqual(3);
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
      paged.push(...connection.edges.map((edge: any) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(pages + 1).toBe(3);
    expect(paged).toEqual(expectedOrder(field, direction));
  });

  it("paging keeps a filter and the caller's visibility", async () => {
    const paged: string[] = [];
    let after: string | undefined;
    do {
      const connection = await list(
        { filter: { regionPrefix: '14' }, orderBy: { field: 'EMPLOYEES_AFFECTED', direction: 'DESC' }, first: 2, after },
        keys.COURT,
      );
      paged.push(...connection.edges.map((edge: any) => edge.node.id));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : undefined;
    } while (after);
    expect(sorted(paged)).toEqual(expected((s) => s.region.startsWith('14') && (!s.sensitive || s.court === 'YC-COURT')));
    expect(new Set(paged).size).toBe(paged.length);
  });

  it.each([
    ['not base64 JSON', () => 'not a cursor!'],
    ['of the wrong shape', () => Buffer.from(JSON.stringify(['x'])).toString('base64url')],
    ['with a forged sort key', () => Buffer.from(JSON.stringify(['not-a-time', randomUUID()])).toString('base64url')],
    ['with a forged id', () => Buffer.from(JSON.stringify(['2026-01-01 00:00:00+00', 'not-a-uuid'])).toString('base64url')],
  ])('a cursor %s is BAD_USER_INPUT naming after', async (_what, cursor) => {
    const result = await t.gql(LIST, { first: 2, after: cursor() });
    expect(extensionsOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('a cursor of another order is BAD_USER_INPUT, not an internal error', async () => {
    const severity = await list({ orderBy: { field: 'SEVERITY', direction: 'DESC' }, first: 2 });
    const result = await t.gql(LIST, { orderBy: { field: 'UPDATED_AT', direction: 'DESC' }, first: 2, after: severity.pageInfo.endCursor });
    expect(extensionsOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const updated = await list({ first: 2 });
    const wrong = await t.gql(LIST, { orderBy: { field: 'SEVERITY', direction: 'DESC' }, first: 2, after: updated.pageInfo.endCursor });
    expect(extensionsOf(wrong)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('SQL statements per page of cases (DataLoaders)', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  const counter = statementCounter();
  const CASES = 50;
  /** Each even case gets all six entries, each odd one the first three; OWN is the case's court. */
  const ENTRIES: [string, Record<string, unknown>][] = [
    ['OWN', { kind: 'NOTE', occurredOn: '2026-03-01' }],
    ['TAX', { kind: 'CLAIM_FILED', claimType: 'TAX', amount: '1000.00', occurredOn: '2026-03-02' }],
    ['PBOC', { kind: 'ASSET_FOUND', assetType: 'ACCOUNT', occurredOn: '2026-03-03' }],
    ['TAX', { kind: 'NOTE', occurredOn: '2026-03-04' }],
    ['PBOC', { kind: 'RISK_ASSESSMENT', riskLevel: 'YELLOW', occurredOn: '2026-03-05' }],
    ['OWN', { kind: 'MEETING', occurredOn: '2026-03-06' }],
  ];
  const courtOf = (i: number) => (i % 3 === 0 ? 'COURT2' : 'COURT');
  const PAGE = `query($first: Int) {
    cases(first: $first) { edges { node { id debtor { name } court { code } progress(last: 5) { kind unit { code } } stageHistory { toStage } } } }
  }`;

  beforeAll(async () => {
    // The ORM logs each statement at trace level with orm: true when the logger is at trace.
    t = await startTestHub(counter.env, counter.log);
    keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', COURT_CODES.COURT);
    keys.COURT2 = await t.keyFor('YC-COURT2', ['PUBLISH', 'READ'], 'COURT', COURT_CODES.COURT2);
    keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    keys.PBOC = await t.keyFor('YC-PBOC', ['PUBLISH', 'READ'], 'PBOC');
    const indexes = Array.from({ length: CASES }, (_, i) => i);
    for (let start = 0; start < CASES; start += 10) {
      await Promise.all(
        indexes.slice(start, start + 10).map(async (i) => {
          const court = courtOf(i);
          // Every fourth case is sensitive (RESTRICTED) but shared with the tax bureau and the central bank.
          const node = await registerOk(t, keys[court], {
            caseNumber: reviewNumber(1000 + i, COURT_CODES[court]),
            debtorUscc: yanhu(1000 + i),
            debtorName: `批量${i}有限公司`,
            ...(i % 4 === 0 ? { sensitive: true, sharedWithUnits: ['YC-TAX', 'YC-PBOC'] } : {}),
          });
          if (i % 2 === 0) {
            const moved = await t.gql(
              ADVANCE,
              {
                input: {
                  caseId: node.id,
                  toStage: 'ACCEPTED',
                  expectedVersion: 1,
                  on: '2026-02-20',
                  caseNumber: proceedingNumber(1000 + i, COURT_CODES[court]),
                },
              },
              keys[court],
            );
            expect(moved.errors).toBeUndefined();
          }
          for (const [unit, entry] of ENTRIES.slice(0, i % 2 === 0 ? 6 : 3)) {
            await progressOk(t, keys[unit === 'OWN' ? court : unit], { caseId: node.id, summary: `${unit} ${entry.kind}`, ...entry });
          }
        }),
      );
    }
  }, 180_000);
  afterAll(() => t?.stop());

  /** The SQL statements one request costs, not counting the authentication's. */
  const statements = (query: string, variables: Record<string, unknown>, key = t.adminKey) => counter.statements(t, query, variables, key);

  it('the page answers what was asked: debtor, court, the last 5 entries oldest first, the stage history', async () => {
    const { result } = await statements(PAGE, { first: CASES });
    const edges = result.data.cases.edges;
    expect(edges).toHaveLength(CASES);
    for (const { node } of edges) {
      const i = Number(/批量(\d+)/.exec(node.debtor.name)![1]);
      expect(node.court.code).toBe(`YC-${courtOf(i)}`);
      const last5 = ENTRIES.slice(0, i % 2 === 0 ? 6 : 3).slice(-5);
      expect(node.progress).toEqual(last5.map(([unit, entry]) => ({ kind: entry.kind, unit: { code: `YC-${unit === 'OWN' ? courtOf(i) : unit}` } })));
      expect(node.stageHistory.map((step: any) => step.toStage)).toEqual(i % 2 === 0 ? ['APPLIED', 'ACCEPTED'] : ['APPLIED']);
    }
  });

  it.each(['OFFICE', 'TAX', 'COURT'])('a page of 50 costs as many statements as a page of 5, at most 8 (%s)', async (who) => {
    const key = who === 'OFFICE' ? t.adminKey : keys[who];
    const fifty = await statements(PAGE, { first: 50 }, key);
    const five = await statements(PAGE, { first: 5 }, key);
    expect(fifty.result.data.cases.edges.length).toBeGreaterThanOrEqual(who === 'COURT' ? 30 : 50);
    expect(five.result.data.cases.edges).toHaveLength(5);
    expect(fifty.count).toBe(five.count);
    expect(fifty.count).toBeLessThanOrEqual(8);
  });
});
