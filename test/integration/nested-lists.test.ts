/**
 * Nested lists cut at their size and the counts beside them (issue 10, item 1), through GraphQL over HTTP with
 * MAX_NESTED_LIST set to 3: Case.progress (the newest, oldest first), RiskEntry.history (the newest, the current one
 * last), Enterprise.cases, Enterprise.riskEntries, Case.debtorRiskEntries, RiskPublication.rejected, the bulletin's
 * lists, credentials; each count follows what the caller may see; a size past MAX_NESTED_LIST is LIMIT_EXCEEDED; and
 * the counts are batched: a page of 20 costs as many statements as a page of 2.
 */
import { randomUUID } from 'node:crypto';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { statementCounter } from '../support/statements';
import { startTestHub, type GqlResult, type TestHub } from '../support/hub';

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
const debtor = (n: number) => uscc(`91140802MA0Q${String(n).padStart(5, '0')}`);
const MAX = 3;

const PUBLISH = `mutation($input: PublishRiskListInput!) {
  publishRiskList(input: $input) { committed rejected { index } publication { id rejectedCount rejected { index } } }
}`;
const REGISTER = `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`;
const PROGRESS = `mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { progress { id } } }`;
const extensionsOf = (result: GqlResult) => result.errors?.[0]?.extensions;

const ROWS: Record<string, Record<string, unknown>> = {
  TAX_ARREARS: { amount: '100.00', categories: ['FINANCIAL'], details: { taxTypes: ['增值税'] } },
  MAJOR_TAX_VIOLATION: { categories: ['LEGAL'], details: { violationType: '虚开增值税专用发票' } },
  ZOMBIE: { categories: ['MARKET'], details: { basis: '连续三年亏损且停产' } },
  LICENSE_REVOKED: { categories: ['LEGAL'], details: { revokedOn: '2026-01-15', decisionNumber: '运市监吊字〔2026〕1号' } },
};

describe('nested lists cut at MAX_NESTED_LIST (3 here), with their counts', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  const counter = statementCounter();
  const caseIds: string[] = [];
  let restrictedCase: string;

  const publish = async (input: Record<string, unknown>, key = keys.TAX) => {
    const result = await t.gql(PUBLISH, { input: { idempotencyKey: `k-${randomUUID()}`, mode: 'DELTA', ...input } }, key);
    expect(result.errors).toBeUndefined();
    return result.data.publishRiskList;
  };
  const row = (listType: string, code: string, over: Record<string, unknown> = {}) => ({
    uscc: code,
    enterpriseName: `企业${code.slice(-6)}`,
    riskLevel: 'YELLOW',
    ...ROWS[listType],
    ...over,
  });

  beforeAll(async () => {
    t = await startTestHub({ ...counter.env, MAX_NESTED_LIST: String(MAX) }, counter.log);
    keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', '晋08');
    keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    keys.PBOC = await t.keyFor('YC-PBOC', ['READ'], 'PBOC');
    // Debtor 1: five cases, the last sensitive (RESTRICTED, shared with TAX only); the first gets five progress entries.
    for (let i = 0; i < 5; i++) {
      const registered = await t.gql(
        REGISTER,
        {
          input: {
            caseNumber: `（2026）晋08破申${700 + i}号`,
            debtorUscc: debtor(1),
            debtorName: '嵌套列表测试有限公司',
            procedure: 'LIQUIDATION',
            appliedOn: '2026-01-01',
            ...(i === 4 ? { sensitive: true, sharedWithKinds: ['TAX'] } : {}),
          },
        },
        keys.COURT,
      );
      expect(registered.errors).toBeUndefined();
      caseIds.push(registered.data.registerCase.id);
    }
    restrictedCase = caseIds[4];
    for (let n = 1; n <= 5; n++) {
      expect(
        (await t.gql(PROGRESS, { input: { caseId: caseIds[0], kind: 'NOTE', summary: `第${n}条`, occurredOn: `2026-03-0${n}` } }, keys.TAX)).errors,
      ).toBeUndefined();
    }
    // Debtor 1 on four lists of TAX, one of them RESTRICTED to kind TAX; its TAX_ARREARS entry in four versions.
    for (const listType of Object.keys(ROWS)) {
      await publish({
        listType,
        entries: [row(listType, debtor(1))],
        ...(listType === 'ZOMBIE' ? { classification: 'RESTRICTED', sharedWithKinds: ['TAX'] } : {}),
      });
    }
    for (const amount of ['101.00', '102.00', '103.00'])
      await publish({ listType: 'TAX_ARREARS', entries: [row('TAX_ARREARS', debtor(1), { amount })] });
    // Twenty more debtors, each with a case and an entry: the pages whose statements are counted.
    for (let n = 2; n <= 21; n++) {
      expect(
        (
          await t.gql(
            REGISTER,
            {
              input: {
                caseNumber: `（2026）晋08破申${800 + n}号`,
                debtorUscc: debtor(n),
                debtorName: `第${n}号有限公司`,
                procedure: 'LIQUIDATION',
                appliedOn: '2026-01-01',
              },
            },
            keys.COURT,
          )
        ).errors,
      ).toBeUndefined();
    }
    await publish({ listType: 'MAJOR_TAX_VIOLATION', entries: Array.from({ length: 20 }, (_, i) => row('MAJOR_TAX_VIOLATION', debtor(i + 2))) });
  }, 180_000);
  afterAll(() => t?.stop());

  it('Case.progress: without last the 3 newest entries, oldest first; with last the newest that many; progressCount counts all', async () => {
    const result = await t.gql(
      `query($id: ID) { case(id: $id) { progressCount all: progress { summary } two: progress(last: 2) { summary } } }`,
      { id: caseIds[0] },
      keys.PBOC,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.case).toEqual({
      progressCount: 5,
      all: [{ summary: '第3条' }, { summary: '第4条' }, { summary: '第5条' }],
      two: [{ summary: '第4条' }, { summary: '第5条' }],
    });
    expect((await t.gql(`query($id: ID) { case(id: $id) { progressCount } }`, { id: caseIds[1] }, keys.PBOC)).data.case.progressCount).toBe(0);
  });

  it.each([
    ['{ case(id: "ID") { progress(last: 4) { id } } }', 'last'],
    ['{ enterprise(uscc: "USCC") { cases(first: 4) { id } } }', 'first'],
    ['{ enterprise(uscc: "USCC") { riskEntries(first: 4) { id } } }', 'first'],
    ['{ riskEntries(first: 1) { edges { node { history(last: 4) { version } } } } }', 'last'],
  ])('%s: past MAX_NESTED_LIST is LIMIT_EXCEEDED naming it', async (query) => {
    const result = await t.gql(query.replace('ID', caseIds[0]).replace('USCC', debtor(1)));
    expect(extensionsOf(result)).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_NESTED_LIST', value: MAX });
  });

  it('Enterprise.cases and caseCount, Enterprise.riskEntries and riskEntryCount, Case.debtorRiskEntries and its count, as each unit may see them', async () => {
    const query = `query($uscc: USCC!, $id: ID) {
      enterprise(uscc: $uscc) { caseCount cases { id } riskEntryCount riskEntries { listType } }
      case(id: $id) { debtorRiskEntryCount debtorRiskEntries { listType } one: debtorRiskEntries(first: 1) { listType } }
    }`;
    const asTax = (await t.gql(query, { uscc: debtor(1), id: caseIds[0] }, keys.TAX)).data;
    expect(asTax.enterprise.caseCount).toBe(5);
    // Newest first: the RESTRICTED case (registered last) leads for TAX.
    expect(asTax.enterprise.cases.map((node: { id: string }) => node.id)).toEqual([caseIds[4], caseIds[3], caseIds[2]]);
    expect(asTax.enterprise.riskEntryCount).toBe(4);
    expect(asTax.enterprise.riskEntries).toHaveLength(3);
    expect(asTax.case.debtorRiskEntryCount).toBe(4);
    expect(asTax.case.debtorRiskEntries).toHaveLength(3);
    expect(asTax.case.one).toHaveLength(1);

    const asPboc = (await t.gql(query, { uscc: debtor(1), id: caseIds[0] }, keys.PBOC)).data;
    expect(asPboc.enterprise.caseCount).toBe(4);
    expect(asPboc.enterprise.cases.map((node: { id: string }) => node.id)).toEqual([caseIds[3], caseIds[2], caseIds[1]]);
    expect(asPboc.enterprise.cases.map((node: { id: string }) => node.id)).not.toContain(restrictedCase);
    expect(asPboc.enterprise.riskEntryCount).toBe(3);
    expect(asPboc.enterprise.riskEntries.map((entry: { listType: string }) => entry.listType)).not.toContain('ZOMBIE');
    expect(asPboc.case.debtorRiskEntryCount).toBe(3);
  });

  it('RiskEntry.history: the 3 newest versions, the current one last; history(last: 1) is the current one; historyCount counts all', async () => {
    const result = await t.gql(
      `query($uscc: USCC) { riskEntries(filter: { uscc: $uscc, listTypes: [TAX_ARREARS] }, first: 1) { edges { node { version historyCount history { version amount } last: history(last: 1) { version } } } } }`,
      { uscc: debtor(1) },
      keys.PBOC,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.riskEntries.edges[0].node).toEqual({
      version: 4,
      historyCount: 4,
      history: [
        { version: 2, amount: '101.00' },
        { version: 3, amount: '102.00' },
        { version: 4, amount: '103.00' },
      ],
      last: [{ version: 4 }],
    });
  });

  it('RiskPublication.rejected: the first 3 rows and rejectedCount; the publication answer itself lists every rejected row', async () => {
    const bad = Array.from({ length: 5 }, (_, i) => row('TAX_ARREARS', `91140802MA0Q0090${i}X`));
    const answer = await publish({
      listType: 'TAX_ARREARS',
      onInvalidRow: 'SKIP',
      period: 'P-SKIP',
      entries: [row('TAX_ARREARS', debtor(30)), ...bad],
    });
    expect(answer.committed).toBe(true);
    expect(answer.rejected.map((rejected: { index: number }) => rejected.index)).toEqual([1, 2, 3, 4, 5]);
    expect(answer.publication).toEqual({ id: expect.any(String), rejectedCount: 5, rejected: [{ index: 1 }, { index: 2 }, { index: 3 }] });
    const listed = await t.gql(
      `{ riskPublications(filter: { period: "P-SKIP" }, first: 5) { edges { node { rejectedCount rejected { index } two: rejected(first: 2) { index } } } } }`,
      {},
      keys.TAX,
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data.riskPublications.edges[0].node).toEqual({
      rejectedCount: 5,
      rejected: [{ index: 1 }, { index: 2 }, { index: 3 }],
      two: [{ index: 1 }, { index: 2 }],
    });
  });

  it('the bulletin lists its first 3 registered cases and counts them all; credentials lists the first 3 keys', async () => {
    // Yesterday to tomorrow: today in the hub's zone, whatever the clock of the machine says.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const bulletin = await t.gql(
      `query($from: LocalDate!, $to: LocalDate!) { bulletin(from: $from, to: $to) { casesRegisteredCount casesRegistered { caseNumber } enterprisesOnSeveralListsCount enterprisesOnSeveralLists { uscc } } }`,
      { from: day(-1), to: day(1) },
    );
    expect(bulletin.errors).toBeUndefined();
    expect(bulletin.data.bulletin.casesRegisteredCount).toBe(25);
    expect(bulletin.data.bulletin.casesRegistered).toHaveLength(3);
    for (let i = 0; i < 3; i++) await t.keyFor('YC-TAX', ['READ']);
    const credentials = await t.gql(`{ credentials(unit: "YC-TAX") { id } }`);
    expect(credentials.errors).toBeUndefined();
    expect(credentials.data.credentials).toHaveLength(3);
    expect((await t.gql(`{ credentials(unit: "YC-TAX", first: 2) { id } }`)).data.credentials).toHaveLength(2);
  });

  it('the counts are batched: a page of 20 cases or enterprises with every count costs as many statements as a page of 2', async () => {
    const cases = `query($first: Int) { cases(first: $first) { edges { node { progressCount debtorRiskEntryCount debtor { caseCount riskEntryCount } } } } }`;
    const twenty = await counter.statements(t, cases, { first: 20 }, keys.TAX);
    const two = await counter.statements(t, cases, { first: 2 }, keys.TAX);
    expect(twenty.result.data.cases.edges).toHaveLength(20);
    expect(twenty.count).toBe(two.count);
    expect(twenty.count).toBeLessThanOrEqual(6);
    const entries = `query($first: Int) { riskEntries(first: $first) { edges { node { historyCount history { version } enterprise { riskEntryCount } } } } }`;
    const many = await counter.statements(t, entries, { first: 20 }, keys.TAX);
    const few = await counter.statements(t, entries, { first: 2 }, keys.TAX);
    expect(many.result.data.riskEntries.edges).toHaveLength(20);
    expect(many.count).toBe(few.count);
    expect(many.count).toBeLessThanOrEqual(5);
  });
});

describe('root lists bounded by MAX_PAGE_SIZE (5 here): refused past it, nothing written', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ MAX_PAGE_SIZE: '5' });
    for (const code of ['YC-TAX', 'YC-TAX2', 'YC-TAX3']) {
      const created = await t.gql(`mutation($input: CreateUnitInput!) { createUnit(input: $input) { id } }`, {
        input: { code, kind: 'TAX', name: `${code} 测试`, regionCode: '140800' },
      });
      expect(created.errors).toBeUndefined();
    }
  });
  afterAll(() => t?.stop());

  it('withdrawRiskEntries with more ids than MAX_PAGE_SIZE is LIMIT_EXCEEDED before anything is read', async () => {
    const ids = Array.from({ length: 6 }, () => randomUUID());
    const result = await t.gql(`mutation($input: WithdrawRiskEntriesInput!) { withdrawRiskEntries(input: $input) { id } }`, {
      input: { ids, reason: '撤回' },
    });
    expect(extensionsOf(result)).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_PAGE_SIZE', value: 5 });
    // Five unknown ids: the service's own answer.
    const five = await t.gql(`mutation($input: WithdrawRiskEntriesInput!) { withdrawRiskEntries(input: $input) { id } }`, {
      input: { ids: ids.slice(0, 5), reason: '撤回' },
    });
    expect(extensionsOf(five)?.code).toBe('NOT_FOUND');
  });

  it('submissionStatus with more rows than MAX_PAGE_SIZE is LIMIT_EXCEEDED', async () => {
    const result = await t.gql(`{ submissionStatus(period: "2026-Q1") { listType } }`);
    expect(extensionsOf(result)).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_PAGE_SIZE', value: 5 });
    // keyFor lists 500 units: a page too large for this hub.
    const issued = await t.gql(`mutation { issueCredential(input: { unit: "YC-TAX", roles: [ANALYZE] }) { key } }`);
    const own = await t.gql(
      `{ submissionStatus(period: "2026-Q1", onlyMissing: true) { unit { code } listType } }`,
      {},
      issued.data.issueCredential.key,
    );
    expect(own.errors).toBeUndefined();
    expect(own.data.submissionStatus.length).toBeGreaterThan(0);
  });
});
