/**
 * Compiled reads (src/graphql/compiled-reads.ts, risk-entry.compiled.ts): two hub instances on one database, one
 * compiling, one with COMPILED_READS=false, answer every request of a corpus with the same bytes — for the office,
 * three units that see different RESTRICTED rows, a key with PERSONAL_DATA and a key without READ — and the
 * compiling one reads a page with its enterprises and publishers in one statement. What the compiler declines
 * (directives, history, unmasked personal data, errors) is answered by execution, equal all the same.
 */
import { randomUUID } from 'node:crypto';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { describeWithServer } from '../support/db';
import { startInstance, startTestHub, type TestHub } from '../support/hub';
import { statementCounter } from '../support/statements';

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
const code = (n: number) => uscc(`91140802MA0K${String(n).padStart(5, '0')}`);

const ENTRY_FIELDS = `id listType uscc enterpriseName regionCode riskLevel categories amount effectiveDate remarks details classification
  sharedWithUnits sharedWithKinds status version period firstPublishedAt publishedAt withdrawnAt withdrawalReason`;
const UNIT_FIELDS = 'id code name kind regionCode courtCode isOffice active createdAt updatedAt';
const ENTERPRISE_PUBLIC = 'uscc name regionCode industry legalRepresentative personalDataMasked createdAt updatedAt';
const ENTERPRISE_ALL = `${ENTERPRISE_PUBLIC} legalRepresentativeIdNumber contactPhone`;

/** Requests that the compiler answers (for a key without PERSONAL_DATA); `[query, variables]`. */
const COMPILED: [string, Record<string, unknown>][] = [
  // The benchmark's request (aliases, as ../shared/peerbench/queries/hub.graphql).
  [
    `query NewestActiveHighRisk { entries: riskEntries(filter: { minRiskLevel: ORANGE }, orderBy: { field: PUBLISHED_AT, direction: DESC }, first: 50) {
      edges { node { id riskLevel publisher { code } listType amount publishedAt enterprise { name uscc } } } pageInfo { hasNextPage endCursor } } }`,
    {},
  ],
  [`{ riskEntries(first: 100) { edges { cursor node { ${ENTRY_FIELDS} publisher { ${UNIT_FIELDS} } enterprise { ${ENTERPRISE_ALL} } } } } }`, {}],
  [
    `query($f: RiskEntryFilter, $o: RiskEntryOrder, $n: Int) { riskEntries(filter: $f, orderBy: $o, first: $n) {
      __typename totalCount pageInfo { __typename endCursor hasNextPage } edges { __typename cursor node { __typename ...E } } } }
     fragment E on RiskEntry { uscc riskLevel ... on RiskEntry { amount first: publishedAt enterprise { __typename n: name } } publisher { __typename c: code } }`,
    { f: { status: 'ALL' }, o: { field: 'AMOUNT', direction: 'ASC' }, n: 3 },
  ],
  [
    `{ a: riskEntries(filter: { listTypes: [LOAN_OVERDUE] }) { totalCount } b: riskEntries(orderBy: { field: SEVERITY }) { edges { node { uscc } } } }`,
    {},
  ],
  [`{ riskEntries(filter: { status: WITHDRAWN }) { edges { node { uscc status withdrawnAt withdrawalReason } } } }`, {}],
  [`{ riskEntries(first: 2) { pageInfo { startCursor hasPreviousPage hasNextPage endCursor } edges { cursor } } }`, {}],
  [`{ riskEntries(filter: { uscc: "${code(999)}" }) { pageInfo { startCursor endCursor hasPreviousPage } edges { cursor } } }`, {}],
  [`{ riskEntries(filter: { regionPrefix: "1408", categories: [FINANCIAL], enterpriseName: "企业" }, first: 2) { edges { node { uscc } } } }`, {}],
];

/** Requests that execution answers (declined by the compiler), equal all the same. */
const DECLINED: [string, Record<string, unknown>][] = [
  [`query($x: Boolean!) { riskEntries { edges { node { uscc amount @include(if: $x) } } } }`, { x: true }],
  [`{ riskEntries { edges { node { uscc history { version } historyCount } } } }`, {}],
  [`{ riskEntries { edges { node { uscc enterprise { riskEntryCount } } } } }`, {}],
  [`{ riskEntries(after: "bm90IGEgY3Vyc29y") { edges { node { uscc } } } }`, {}],
  [`{ riskEntries(first: 100000) { edges { node { uscc } } } }`, {}],
  [`{ riskEntries(first: 2) { edges { a: node { uscc } b: node { riskLevel } } } }`, {}],
  [
    `query($a: String) { riskEntries(first: 2, after: $a) { pageInfo { hasPreviousPage startCursor } edges { node { uscc } } } }`,
    { a: Buffer.from(JSON.stringify(['2999-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000'])).toString('base64url') },
  ],
  [`{ riskEntries { edges { node { uscc } } } units { edges { node { code } } } }`, {}],
];

describeWithServer('compiled reads answer as execution does', () => {
  let compiled: TestHub;
  let executed: TestHub;
  const counter = statementCounter();
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    compiled = await startTestHub({ ...counter.env, COMPILED_READS: 'true' }, counter.log);
    executed = await startInstance(compiled, { COMPILED_READS: 'false' });
    keys.OFFICE = compiled.adminKey;
    keys.TAX = await compiled.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    keys.BANK = await compiled.keyFor('YC-BANK', ['PUBLISH', 'READ'], 'PBOC');
    keys.COURT = await compiled.keyFor('YC-COURT', ['READ'], 'COURT');
    keys.PD = await compiled.keyFor('YC-PD', ['READ', 'PERSONAL_DATA'], 'OTHER');
    keys.NOREAD = await compiled.keyFor('YC-NOREAD', ['SUBSCRIBE'], 'OTHER');
    // Two registered enterprises with personal data (public), the rest known from list rows only.
    for (const n of [1, 2]) {
      const registered = await compiled.gql(`mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { created } }`, {
        input: {
          uscc: code(n),
          name: `登记${n}有限公司`,
          industry: '制造业',
          legalRepresentative: '张三',
          legalRepresentativeIdNumber: '140802198001011232',
          contactPhone: '13800001234',
        },
      });
      expect(registered.errors).toBeUndefined();
    }
    const publish = async (key: string, input: Record<string, unknown>) => {
      const result = await compiled.gql(
        `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed rejected { message } } }`,
        { input: { idempotencyKey: randomUUID(), mode: 'DELTA', ...input } },
        key,
      );
      expect(result.errors).toBeUndefined();
      expect(result.data.publishRiskList.rejected).toEqual([]);
    };
    const levels = ['RED', 'ORANGE', 'YELLOW', 'BLUE'];
    await publish(keys.TAX, {
      listType: 'TAX_ARREARS',
      period: '2026-Q4',
      entries: [1, 2, 3, 4, 5, 6].map((n) => ({
        uscc: code(n),
        enterpriseName: `欠税${n}有限公司`,
        riskLevel: levels[n % 4],
        categories: ['FINANCIAL'],
        amount: `${n * 1000}.50`,
        effectiveDate: '2026-10-01',
        remarks: n === 2 ? '备注' : null,
        details: { taxTypes: ['增值税', '企业所得税'] },
        ...(n === 5 ? { classification: 'RESTRICTED' } : {}),
      })),
      sharedWithUnits: ['YC-COURT'],
    });
    await publish(keys.BANK, {
      listType: 'LOAN_OVERDUE',
      classification: 'RESTRICTED',
      sharedWithKinds: ['COURT'],
      entries: [3, 7, 8].map((n) => ({
        uscc: code(n),
        enterpriseName: `贷款${n}有限公司`,
        riskLevel: n === 7 ? 'RED' : 'ORANGE',
        categories: ['FINANCIAL', 'MARKET'],
        amount: '99999.00',
        details: { lenders: ['运城农商银行'], daysOverdue: 95 },
      })),
    });
    // A withdrawal: a WITHDRAWN entry with its reason and time.
    const page = await compiled.gql(`{ riskEntries(filter: { uscc: "${code(6)}" }) { edges { node { id } } } }`, {}, keys.TAX);
    const withdrawn = await compiled.gql(
      `mutation($input: WithdrawRiskEntriesInput!) { withdrawRiskEntries(input: $input) { id } }`,
      { input: { ids: [page.data.riskEntries.edges[0].node.id], reason: '已缴清' } },
      keys.TAX,
    );
    expect(withdrawn.errors).toBeUndefined();
  }, 60_000);
  afterAll(async () => {
    await executed?.stop();
    await compiled?.stop();
  });

  /** The raw answer of one hub. */
  const ask = async (t: TestHub, query: string, variables: Record<string, unknown>, key: string | null) => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, text: await response.text() };
  };

  const callers = ['OFFICE', 'TAX', 'BANK', 'COURT', 'PD', 'NOREAD', 'ANONYMOUS'];

  it.each(callers)('every request of the corpus, for %s: the same status and the same bytes', async (caller) => {
    const key = caller === 'ANONYMOUS' ? null : keys[caller];
    for (const [query, variables] of [...COMPILED, ...DECLINED]) {
      const [fast, slow] = [await ask(compiled, query, variables, key), await ask(executed, query, variables, key)];
      expect({ query, caller, ...fast }).toEqual({ query, caller, ...slow });
    }
  });

  it('cursor pages followed to the end give the same pages, in every order', async () => {
    const query = `query($o: RiskEntryOrder, $a: String) { riskEntries(filter: { status: ALL }, orderBy: $o, first: 2, after: $a) {
      edges { cursor node { uscc listType } } pageInfo { hasNextPage endCursor } } }`;
    for (const field of ['PUBLISHED_AT', 'SEVERITY', 'AMOUNT']) {
      for (const direction of ['ASC', 'DESC']) {
        let after: string | null = null;
        let pages = 0;
        do {
          const variables: Record<string, unknown> = { o: { field, direction }, a: after };
          const [fast, slow] = [await ask(compiled, query, variables, keys.COURT), await ask(executed, query, variables, keys.COURT)];
          expect(fast).toEqual(slow);
          const info: { hasNextPage: boolean; endCursor: string } = JSON.parse(fast.text).data.riskEntries.pageInfo;
          after = info.hasNextPage ? info.endCursor : null;
          pages += 1;
        } while (after && pages < 20);
        expect(pages).toBeGreaterThan(2);
      }
    }
  });

  it('personal data: masked in SQL for a key without PERSONAL_DATA, and the compiled answer shows the masks', async () => {
    const answer = JSON.parse(
      (await ask(compiled, `{ riskEntries(filter: { uscc: "${code(1)}" }) { edges { node { enterprise { ${ENTERPRISE_ALL} } } } } }`, {}, keys.TAX))
        .text,
    );
    expect(answer.data.riskEntries.edges[0].node.enterprise).toMatchObject({
      legalRepresentativeIdNumber: '140802********1232',
      contactPhone: '138****1234',
      personalDataMasked: true,
    });
  });

  it('a page of entries with enterprise and publisher is one statement besides authentication, whatever its size', async () => {
    const query = `query($n: Int) { riskEntries(first: $n, filter: { status: ALL }) { edges { node { uscc publisher { code } enterprise { name uscc } } }
      pageInfo { hasNextPage endCursor } } }`;
    for (const caller of ['OFFICE', 'TAX', 'COURT']) {
      for (const n of [1, 5, 100]) expect((await counter.statements(compiled, query, { n }, keys[caller])).count).toBe(1);
    }
    // With totalCount: the count is a second statement, as it is for execution.
    expect((await counter.statements(compiled, `{ riskEntries { totalCount edges { node { uscc } } } }`, {}, keys.TAX)).count).toBe(2);
    // What the compiler declines costs what execution costs: here the page, the enterprises and the units.
    expect(
      (
        await counter.statements(
          compiled,
          `{ riskEntries { edges { node { uscc publisher { code } enterprise { name riskEntryCount } } } } }`,
          {},
          keys.TAX,
        )
      ).count,
    ).toBeGreaterThan(1);
  });

  it('MAX_RESOLVED_OBJECTS: a compiled answer over the limit is declined, and execution refuses it as before', async () => {
    const small = await startInstance(compiled, { MAX_RESOLVED_OBJECTS: '20', COMPILED_READS: 'true' });
    try {
      const query = `{ riskEntries(first: 100, filter: { status: ALL }) { edges { node { uscc categories publisher { code } } } } }`;
      const raw = await ask(small, query, {}, keys.OFFICE);
      const answer = JSON.parse(raw.text);
      expect(answer.errors[0].extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'MAX_RESOLVED_OBJECTS' });
    } finally {
      await small.stop();
    }
  });
});
