/**
 * Reading risky-enterprise lists (issue 3) through GraphQL over HTTP: visibility of RESTRICTED entries on every
 * read path with three member units and the office, withdrawing entries, filters, orders, cursor paging, and the
 * number of SQL statements a page costs (DataLoaders).
 */
import { randomUUID } from 'node:crypto';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { sql } from '../support/db';
import { statementCounter } from '../support/statements';
import { startTestHub, type TestHub } from '../support/hub';

/** A valid USCC from its first 17 characters. */
const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
/** A valid USCC registered in 盐湖区 (division 140802), numbered `n`. */
const yanhu = (n: number) => uscc(`91140802MA0K${String(n).padStart(5, '0')}`);

const PUBLISH = `mutation($input: PublishRiskListInput!) {
  publishRiskList(input: $input) { committed added updated withdrawn unchanged rejected { index uscc field message } }
}`;
const WITHDRAW = `mutation($input: WithdrawRiskEntriesInput!) {
  withdrawRiskEntries(input: $input) { id uscc status withdrawalReason withdrawnAt publisher { code } }
}`;
const LIST = `query($filter: RiskEntryFilter, $orderBy: RiskEntryOrder, $first: Int, $after: String) {
  riskEntries(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { id uscc listType enterpriseName regionCode riskLevel categories amount effectiveDate status
      classification sharedWithUnits sharedWithKinds publishedAt publisher { code kind } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const codeOf = (result: { errors?: { extensions?: Record<string, any> }[] }) => result.errors?.[0]?.extensions?.code;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rowFor(listType: string, code: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, Record<string, unknown>> = {
    TAX_ARREARS: { amount: '100.00', categories: ['FINANCIAL'], details: { taxTypes: ['增值税'] } },
    MAJOR_TAX_VIOLATION: { categories: ['LEGAL'], details: { violationType: '虚开增值税专用发票' } },
    ZOMBIE: { categories: ['MARKET'], details: { basis: '连续三年亏损且停产' } },
    LICENSE_REVOKED: { categories: ['LEGAL'], details: { revokedOn: '2026-01-15', decisionNumber: '运市监吊字〔2026〕1号' } },
    DISHONEST_JUDGMENT_DEBTOR: {
      categories: ['LEGAL'],
      details: { enforcementCaseNumber: '（2024）晋0802执123号', obligation: '偿还借款本息', performance: 'NONE' },
    },
    LOAN_OVERDUE: { amount: '1000.00', categories: ['FINANCIAL'], details: { lenders: ['运城农商银行'], daysOverdue: 120 } },
  };
  return { uscc: code, enterpriseName: `企业${code.slice(-6)}有限公司`, riskLevel: 'YELLOW', ...base[listType], ...over };
}

async function publishOk(t: TestHub, key: string, input: Record<string, unknown>) {
  const result = await t.gql(PUBLISH, { input: { idempotencyKey: `k-${randomUUID()}`, mode: 'DELTA', ...input } }, key);
  expect(result.errors).toBeUndefined();
  expect(result.data.publishRiskList).toMatchObject({ committed: true, rejected: [] });
  return result.data.publishRiskList;
}

// ---------------------------------------------------------------------------------------------------------------
describe('visibility of RESTRICTED entries, with three member units and the office', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  const E = { restrictedToCourt: yanhu(1), sharedOverride: yanhu(2), restrictedToPboc: yanhu(3), shared: yanhu(4), rowRestricted: yanhu(5) };
  /** Who sees which enterprise's entry (one entry per enterprise here). */
  const sees: Record<string, string[]> = {
    TAX: [E.restrictedToCourt, E.sharedOverride, E.restrictedToPboc, E.shared, E.rowRestricted],
    OFFICE: [E.restrictedToCourt, E.sharedOverride, E.restrictedToPboc, E.shared, E.rowRestricted],
    COURT: [E.restrictedToCourt, E.sharedOverride, E.shared, E.rowRestricted],
    PBOC: [E.sharedOverride, E.restrictedToPboc, E.shared],
  };
  const sorted = (list: string[]) => [...list].sort();

  beforeAll(async () => {
    t = await startTestHub();
    keys.OFFICE = t.adminKey;
    keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT');
    keys.PBOC = await t.keyFor('YC-PBOC', ['PUBLISH', 'READ'], 'PBOC');
    // RESTRICTED by default, shared with YC-COURT; one row overrides to SHARED.
    await publishOk(t, keys.TAX, {
      listType: 'TAX_ARREARS',
      classification: 'RESTRICTED',
      sharedWithUnits: ['yc-court'],
      entries: [rowFor('TAX_ARREARS', E.restrictedToCourt), rowFor('TAX_ARREARS', E.sharedOverride, { classification: 'SHARED' })],
    });
    // RESTRICTED, shared with the unit kind PBOC.
    await publishOk(t, keys.TAX, {
      listType: 'MAJOR_TAX_VIOLATION',
      classification: 'RESTRICTED',
      sharedWithKinds: ['PBOC'],
      entries: [rowFor('MAJOR_TAX_VIOLATION', E.restrictedToPboc)],
    });
    // SHARED by default; one row overrides to RESTRICTED and takes the publication's sharing (YC-COURT).
    await publishOk(t, keys.TAX, {
      listType: 'ZOMBIE',
      sharedWithUnits: ['YC-COURT'],
      entries: [rowFor('ZOMBIE', E.shared), rowFor('ZOMBIE', E.rowRestricted, { classification: 'RESTRICTED' })],
    });
  });
  afterAll(() => t?.stop());

  it('the entries carry their classification and sharing', async () => {
    const result = await t.gql(LIST, { first: 100 });
    const byUscc = new Map(result.data.riskEntries.edges.map((edge: any) => [edge.node.uscc, edge.node]));
    expect(byUscc.get(E.restrictedToCourt)).toMatchObject({ classification: 'RESTRICTED', sharedWithUnits: ['YC-COURT'], sharedWithKinds: [] });
    expect(byUscc.get(E.sharedOverride)).toMatchObject({ classification: 'SHARED', sharedWithUnits: [], sharedWithKinds: [] });
    expect(byUscc.get(E.restrictedToPboc)).toMatchObject({ classification: 'RESTRICTED', sharedWithUnits: [], sharedWithKinds: ['PBOC'] });
    expect(byUscc.get(E.shared)).toMatchObject({ classification: 'SHARED' });
    expect(byUscc.get(E.rowRestricted)).toMatchObject({ classification: 'RESTRICTED', sharedWithUnits: ['YC-COURT'] });
  });

  it.each(['TAX', 'OFFICE', 'COURT', 'PBOC'])('riskEntries and totalCount show %s exactly what it may see', async (viewer) => {
    const result = await t.gql(LIST, { first: 100 }, keys[viewer]);
    expect(result.errors).toBeUndefined();
    const usccs = result.data.riskEntries.edges.map((edge: any) => edge.node.uscc);
    expect(sorted(usccs)).toEqual(sorted(sees[viewer]));
    expect(result.data.riskEntries.totalCount).toBe(sees[viewer].length);
    // The same through filters that name an invisible entry directly: it does not exist.
    for (const code of Object.values(E)) {
      const one = await t.gql(LIST, { filter: { uscc: code, status: 'ALL' }, first: 10 }, keys[viewer]);
      expect(one.data.riskEntries.totalCount).toBe(sees[viewer].includes(code) ? 1 : 0);
      expect(one.data.riskEntries.edges).toHaveLength(sees[viewer].includes(code) ? 1 : 0);
    }
  });

  it.each(['TAX', 'OFFICE', 'COURT', 'PBOC'])('enterprise(uscc).riskEntries shows %s only what it may see', async (viewer) => {
    for (const code of Object.values(E)) {
      const result = await t.gql(
        `query($uscc: USCC!) { enterprise(uscc: $uscc) { uscc riskEntries { uscc classification } } }`,
        { uscc: code },
        keys[viewer],
      );
      expect(result.errors).toBeUndefined();
      // Each enterprise here is named by one entry: one named only by a RESTRICTED entry exists only for those who
      // may read it (issue 10 item 5); a public one shows its entries the caller may see.
      if (sees[viewer].includes(code))
        expect(result.data.enterprise).toEqual({ uscc: code, riskEntries: [{ uscc: code, classification: expect.any(String) }] });
      else expect(result.data.enterprise).toBeNull();
    }
  });

  it.each(['TAX', 'OFFICE', 'COURT', 'PBOC'])('enterprises { riskEntries } shows %s only what it may see', async (viewer) => {
    const result = await t.gql(`{ enterprises(first: 100) { edges { node { uscc riskEntries { uscc } } } } }`, {}, keys[viewer]);
    expect(result.errors).toBeUndefined();
    const nested = result.data.enterprises.edges.flatMap((edge: any) => edge.node.riskEntries.map((entry: any) => entry.uscc));
    expect(sorted(nested)).toEqual(sorted(sees[viewer]));
  });

  it('status WITHDRAWN and ALL do not reveal a RESTRICTED entry either', async () => {
    for (const status of ['WITHDRAWN', 'ALL']) {
      const result = await t.gql(LIST, { filter: { status, listTypes: ['TAX_ARREARS', 'MAJOR_TAX_VIOLATION', 'ZOMBIE'] }, first: 100 }, keys.PBOC);
      expect(result.data.riskEntries.edges.every((edge: any) => sees.PBOC.includes(edge.node.uscc))).toBe(true);
    }
  });

  it('withdrawRiskEntries: an entry the unit may not see is NOT_FOUND, one it may see but does not own FORBIDDEN', async () => {
    const all = await t.gql(LIST, { filter: { uscc: E.restrictedToCourt }, first: 1 });
    const id = all.data.riskEntries.edges[0].node.id;
    const pboc = await t.gql(WITHDRAW, { input: { ids: [id], reason: '核实有误' } }, keys.PBOC);
    expect(codeOf(pboc)).toBe('NOT_FOUND');
    expect(pboc.errors?.[0].message).not.toContain(E.restrictedToCourt);
    const court = await t.gql(WITHDRAW, { input: { ids: [id], reason: '核实有误' } }, keys.COURT);
    expect(codeOf(court)).toBe('FORBIDDEN');
    const after = await t.gql(LIST, { filter: { uscc: E.restrictedToCourt }, first: 1 });
    expect(after.data.riskEntries.edges[0].node.status).toBe('ACTIVE');
  });

  it('the same entry shared with the kind PBOC becomes visible to YC-PBOC', async () => {
    await publishOk(t, keys.TAX, {
      listType: 'TAX_ARREARS',
      classification: 'RESTRICTED',
      sharedWithUnits: ['YC-COURT'],
      sharedWithKinds: ['PBOC'],
      entries: [rowFor('TAX_ARREARS', E.restrictedToCourt), rowFor('TAX_ARREARS', E.sharedOverride, { classification: 'SHARED' })],
    });
    const result = await t.gql(LIST, { filter: { uscc: E.restrictedToCourt }, first: 10 }, keys.PBOC);
    expect(result.data.riskEntries.totalCount).toBe(1);
    expect(result.data.riskEntries.edges[0].node).toMatchObject({ sharedWithKinds: ['PBOC'], sharedWithUnits: ['YC-COURT'] });
    const nested = await t.gql(`query($uscc: USCC!) { enterprise(uscc: $uscc) { riskEntries { uscc } } }`, { uscc: E.restrictedToCourt }, keys.PBOC);
    expect(nested.data.enterprise.riskEntries).toEqual([{ uscc: E.restrictedToCourt }]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('withdrawRiskEntries', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const W = { a: yanhu(11), b: yanhu(12), c: yanhu(13), courts: yanhu(14), d: yanhu(15) };

  const entry = async (id: string) => {
    const [row] = await sql<{ status: string; withdrawal_reason: string | null }>(
      t.databaseUrl,
      'select status, withdrawal_reason from risk_entry where id = $1',
      [id],
    );
    return row;
  };
  const changes = (id: string) =>
    sql<{ kind: string; actor: string; seq: string }>(
      t.databaseUrl,
      `select e.kind, u.code as actor, c.seq from change_event e join change_commit c on c.tx_id = e.tx_id
       join unit u on u.id = e.actor_unit_id where e.entity_id = $1 order by c.seq`,
      [id],
    );
  const counts = async () =>
    (
      await sql<Record<string, string>>(
        t.databaseUrl,
        `select (select count(*) from change_event) as events, (select count(*) from audit_record) as audit,
         (select md5(string_agg(r::text, '|' order by r.id)) from risk_entry r) as entries`,
      )
    )[0];

  beforeAll(async () => {
    t = await startTestHub();
    keys.OFFICE = t.adminKey;
    keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT');
    keys.READER = await t.keyFor('YC-TAX', ['READ'], 'TAX');
    await publishOk(t, keys.TAX, { listType: 'TAX_ARREARS', entries: [W.a, W.b, W.c, W.d].map((code) => rowFor('TAX_ARREARS', code)) });
    await publishOk(t, keys.COURT, { listType: 'DISHONEST_JUDGMENT_DEBTOR', entries: [rowFor('DISHONEST_JUDGMENT_DEBTOR', W.courts)] });
    const all = await t.gql(LIST, { first: 100 });
    for (const edge of all.data.riskEntries.edges) ids[edge.node.uscc] = edge.node.id;
  });
  afterAll(() => t?.stop());

  it('a unit withdraws its own entry: WITHDRAWN with the reason, one WITHDRAWN change', async () => {
    const result = await t.gql(WITHDRAW, { input: { ids: [ids[W.a]], reason: '已全部缴清' } }, keys.TAX);
    expect(result.errors).toBeUndefined();
    expect(result.data.withdrawRiskEntries).toEqual([
      {
        id: ids[W.a],
        uscc: W.a,
        status: 'WITHDRAWN',
        withdrawalReason: '已全部缴清',
        withdrawnAt: expect.any(String),
        publisher: { code: 'YC-TAX' },
      },
    ]);
    expect(await entry(ids[W.a])).toEqual({ status: 'WITHDRAWN', withdrawal_reason: '已全部缴清' });
    expect((await changes(ids[W.a])).map((change) => [change.kind, change.actor])).toEqual([
      ['CREATED', 'YC-TAX'],
      ['WITHDRAWN', 'YC-TAX'],
    ]);
    // Gone from the active list, there under WITHDRAWN.
    const active = await t.gql(LIST, { filter: { uscc: W.a }, first: 10 });
    expect(active.data.riskEntries.totalCount).toBe(0);
    const withdrawn = await t.gql(LIST, { filter: { uscc: W.a, status: 'WITHDRAWN' }, first: 10 });
    expect(withdrawn.data.riskEntries.edges.map((edge: any) => edge.node.id)).toEqual([ids[W.a]]);
  });

  it("another unit's visible entry is FORBIDDEN and stays active", async () => {
    const before = await counts();
    const result = await t.gql(WITHDRAW, { input: { ids: [ids[W.b]], reason: '法院认为有误' } }, keys.COURT);
    expect(codeOf(result)).toBe('FORBIDDEN');
    expect((await entry(ids[W.b])).status).toBe('ACTIVE');
    expect(await counts()).toEqual(before);
  });

  it('an entry withdrawn already is CONFLICT', async () => {
    const before = await counts();
    const result = await t.gql(WITHDRAW, { input: { ids: [ids[W.a]], reason: '再次撤回' } }, keys.TAX);
    expect(codeOf(result)).toBe('CONFLICT');
    expect(await entry(ids[W.a])).toEqual({ status: 'WITHDRAWN', withdrawal_reason: '已全部缴清' });
    expect(await counts()).toEqual(before);
  });

  it('a credential without PUBLISH is FORBIDDEN; an empty reason is BAD_USER_INPUT', async () => {
    const reader = await t.gql(WITHDRAW, { input: { ids: [ids[W.b]], reason: '只读' } }, keys.READER);
    expect(codeOf(reader)).toBe('FORBIDDEN');
    const noReason = await t.gql(WITHDRAW, { input: { ids: [ids[W.b]], reason: '   ' } }, keys.TAX);
    expect(noReason.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    expect((await entry(ids[W.b])).status).toBe('ACTIVE');
  });

  it.each([
    ["another unit's entry among them", 'FORBIDDEN', () => ids[W.courts]],
    ['an unknown id among them', 'NOT_FOUND', () => randomUUID()],
    ['a malformed id among them', 'NOT_FOUND', () => 'not-an-id'],
    ['a withdrawn entry among them', 'CONFLICT', () => ids[W.a]],
  ])('all or nothing: %s is %s and the good entry stays active', async (_name, code, other) => {
    const before = await counts();
    const result = await t.gql(WITHDRAW, { input: { ids: [ids[W.c], other()], reason: '批量撤回' } }, keys.TAX);
    expect(codeOf(result)).toBe(code);
    expect(result.data).toBeNull();
    expect((await entry(ids[W.c])).status).toBe('ACTIVE');
    expect(await counts()).toEqual(before);
  });

  it("the office withdraws any unit's entries; the change is the office's, the entry stays the unit's", async () => {
    const result = await t.gql(WITHDRAW, { input: { ids: [ids[W.b], ids[W.courts]], reason: '协调办更正' } }, keys.OFFICE);
    expect(result.errors).toBeUndefined();
    const byUscc = new Map(result.data.withdrawRiskEntries.map((node: any) => [node.uscc, node]));
    expect(byUscc.get(W.b)).toMatchObject({ status: 'WITHDRAWN', withdrawalReason: '协调办更正', publisher: { code: 'YC-TAX' } });
    expect(byUscc.get(W.courts)).toMatchObject({ status: 'WITHDRAWN', withdrawalReason: '协调办更正', publisher: { code: 'YC-COURT' } });
    expect((await changes(ids[W.b])).map((change) => [change.kind, change.actor])).toEqual([
      ['CREATED', 'YC-TAX'],
      ['WITHDRAWN', 'OFFICE'],
    ]);
    expect((await changes(ids[W.courts])).map((change) => change.kind)).toEqual(['CREATED', 'WITHDRAWN']);
  });

  it('a withdrawn entry can be published again: a new entry, the old one stays withdrawn', async () => {
    const answer = await publishOk(t, keys.TAX, { listType: 'TAX_ARREARS', entries: [rowFor('TAX_ARREARS', W.a)] });
    expect(answer).toMatchObject({ added: 1, updated: 0 });
    const all = await t.gql(LIST, { filter: { uscc: W.a, status: 'ALL' }, first: 10 });
    const nodes = all.data.riskEntries.edges.map((edge: any) => edge.node);
    expect(nodes.map((node: any) => node.status).sort()).toEqual(['ACTIVE', 'WITHDRAWN']);
    expect(nodes.find((node: any) => node.status === 'WITHDRAWN').id).toBe(ids[W.a]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('filters, orders and paging', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};

  interface Spec {
    unit: 'YC-TAX' | 'YC-COURT' | 'YC-PBOC' | 'YC-AMR';
    listType: string;
    uscc: string;
    name: string;
    region: string;
    level: 'RED' | 'ORANGE' | 'YELLOW' | 'BLUE';
    categories: string[];
    amount: string | null;
    effectiveDate: string | null;
    wave: 1 | 2;
    status: 'ACTIVE' | 'WITHDRAWN';
  }
  const f = (n: number) => yanhu(100 + n);
  const spec = (
    unit: Spec['unit'],
    listType: string,
    n: number,
    name: string,
    region: string,
    level: Spec['level'],
    categories: string[],
    amount: string | null,
    effectiveDate: string | null,
    wave: 1 | 2,
  ): Spec => ({
    unit,
    listType,
    uscc: f(n),
    name,
    region,
    level,
    categories,
    amount,
    effectiveDate,
    wave,
    status: 'ACTIVE',
  });
  const SPECS: Spec[] = [
    spec('YC-TAX', 'TAX_ARREARS', 1, '运城盐湖化工有限公司', '140802', 'RED', ['FINANCIAL'], '9.50', '2026-01-15', 1),
    spec('YC-TAX', 'TAX_ARREARS', 2, '运城盐湖纺织有限公司', '140802', 'ORANGE', ['FINANCIAL', 'SOCIAL_STABILITY'], '100.00', '2026-03-01', 1),
    spec('YC-TAX', 'TAX_ARREARS', 3, '临猗果业有限公司', '140821', 'YELLOW', ['FINANCIAL'], '25.00', null, 1),
    spec('YC-TAX', 'TAX_ARREARS', 4, '临汾焦化有限公司', '141002', 'BLUE', ['FINANCIAL'], '100000.00', '2026-06-30', 1),
    spec('YC-COURT', 'DISHONEST_JUDGMENT_DEBTOR', 1, '运城盐湖化工有限公司', '140802', 'RED', ['LEGAL'], '3000.00', '2026-02-01', 1),
    spec('YC-COURT', 'DISHONEST_JUDGMENT_DEBTOR', 5, '西安建工有限公司', '610113', 'ORANGE', ['LEGAL'], null, '2026-04-10', 1),
    spec('YC-COURT', 'DISHONEST_JUDGMENT_DEBTOR', 6, '临猗物流有限公司', '140821', 'BLUE', ['LEGAL', 'MARKET'], '0.99', '2026-05-20', 1),
    spec('YC-PBOC', 'LOAN_OVERDUE', 7, '运城盐湖机械有限公司', '140802', 'YELLOW', ['FINANCIAL'], '5000000.00', '2026-07-01', 2),
    spec('YC-PBOC', 'LOAN_OVERDUE', 8, '永济钢铁有限公司', '140881', 'RED', ['FINANCIAL', 'MANAGEMENT'], '75.50', '2026-02-28', 2),
    spec('YC-AMR', 'LICENSE_REVOKED', 9, '运城盐湖商贸有限公司', '140802', 'BLUE', ['MARKET'], null, '2026-01-01', 2),
    spec('YC-AMR', 'LICENSE_REVOKED', 10, '临汾煤业有限公司', '141002', 'ORANGE', ['MANAGEMENT'], null, null, 2),
    spec('YC-AMR', 'LICENSE_REVOKED', 11, '运城100%_商贸有限公司', '140802', 'YELLOW', ['MARKET'], null, '2026-08-08', 2),
  ];
  const KIND: Record<Spec['unit'], string> = { 'YC-TAX': 'TAX', 'YC-COURT': 'COURT', 'YC-PBOC': 'PBOC', 'YC-AMR': 'MARKET_REGULATION' };
  const SEVERITY = { RED: 1, ORANGE: 2, YELLOW: 3, BLUE: 4 } as const;
  const idOf = (s: { listType: string; uscc: string }) => `${s.listType}:${s.uscc}`;
  /** publishedAt of the first entry of wave 2, to the millisecond. */
  let wave2From: string;

  beforeAll(async () => {
    t = await startTestHub();
    for (const unit of Object.keys(KIND) as Spec['unit'][]) keys[unit] = await t.keyFor(unit, ['PUBLISH', 'READ'], KIND[unit]);
    for (const wave of [1, 2]) {
      if (wave === 2) await sleep(30);
      for (const unit of Object.keys(KIND) as Spec['unit'][]) {
        const mine = SPECS.filter((s) => s.unit === unit && s.wave === wave);
        if (!mine.length) continue;
        await publishOk(t, keys[unit], {
          listType: mine[0].listType,
          mode: 'SNAPSHOT',
          entries: mine.map((s) =>
            rowFor(s.listType, s.uscc, {
              enterpriseName: s.name,
              regionCode: s.region,
              riskLevel: s.level,
              categories: s.categories,
              ...(s.amount === null ? { amount: null } : { amount: s.amount }),
              effectiveDate: s.effectiveDate,
            }),
          ),
        });
      }
    }
    // One entry withdrawn.
    await publishOk(t, keys['YC-AMR'], { listType: 'LICENSE_REVOKED', entries: [], withdrawals: [{ uscc: f(10), reason: '已撤销吊销决定' }] });
    SPECS.find((s) => s.uscc === f(10))!.status = 'WITHDRAWN';
    const w2 = await t.gql(LIST, {
      filter: { publishers: ['YC-PBOC', 'YC-AMR'], status: 'ALL' },
      orderBy: { field: 'PUBLISHED_AT', direction: 'ASC' },
      first: 1,
    });
    wave2From = w2.data.riskEntries.edges[0].node.publishedAt;
  });
  afterAll(() => t?.stop());

  async function ids(filter: Record<string, unknown>, key = t.adminKey): Promise<string[]> {
    const result = await t.gql(LIST, { filter, first: 100 }, key);
    expect(result.errors).toBeUndefined();
    expect(result.data.riskEntries.totalCount).toBe(result.data.riskEntries.edges.length);
    return result.data.riskEntries.edges.map((edge: any) => idOf(edge.node)).sort();
  }
  /** The model's answer; must be neither empty nor everything, so the filter is really tested. */
  function expected(predicate: (s: Spec) => boolean, status: 'ACTIVE' | 'WITHDRAWN' | 'ALL' = 'ACTIVE'): string[] {
    const pool = SPECS.filter((s) => status === 'ALL' || s.status === status);
    const out = pool.filter(predicate).map(idOf).sort();
    expect(out.length).toBeGreaterThan(0);
    expect(out.length).toBeLessThan(pool.length);
    return out;
  }

  it('status: ACTIVE by default, WITHDRAWN, ALL', async () => {
    const active = SPECS.filter((s) => s.status === 'ACTIVE')
      .map(idOf)
      .sort();
    expect(await ids({})).toEqual(active);
    expect(await ids({ status: 'ACTIVE' })).toEqual(active);
    expect(await ids({ status: 'WITHDRAWN' })).toEqual([idOf({ listType: 'LICENSE_REVOKED', uscc: f(10) })]);
    expect(await ids({ status: 'ALL' })).toEqual(SPECS.map(idOf).sort());
  });

  it('listTypes', async () => {
    expect(await ids({ listTypes: ['TAX_ARREARS', 'LOAN_OVERDUE'] })).toEqual(expected((s) => ['TAX_ARREARS', 'LOAN_OVERDUE'].includes(s.listType)));
  });

  it('publishers (codes, any case) and publisherKinds', async () => {
    expect(await ids({ publishers: ['yc-court'] })).toEqual(expected((s) => s.unit === 'YC-COURT'));
    expect(await ids({ publishers: ['YC-COURT', 'YC-PBOC'] })).toEqual(expected((s) => s.unit === 'YC-COURT' || s.unit === 'YC-PBOC'));
    expect(await ids({ publisherKinds: ['PBOC', 'MARKET_REGULATION'] })).toEqual(
      expected((s) => ['PBOC', 'MARKET_REGULATION'].includes(KIND[s.unit])),
    );
    expect(await ids({ publishers: ['YC-NOBODY'] })).toEqual([]);
  });

  it('minRiskLevel ORANGE means ORANGE or RED; RED means RED only', async () => {
    expect(await ids({ minRiskLevel: 'ORANGE' })).toEqual(expected((s) => s.level === 'RED' || s.level === 'ORANGE'));
    expect(await ids({ minRiskLevel: 'RED' })).toEqual(expected((s) => s.level === 'RED'));
    expect(await ids({ minRiskLevel: 'YELLOW' })).toEqual(expected((s) => s.level !== 'BLUE'));
    expect(await ids({ minRiskLevel: 'BLUE' })).toEqual(
      SPECS.filter((s) => s.status === 'ACTIVE')
        .map(idOf)
        .sort(),
    );
  });

  it('categories: entries with any of them', async () => {
    expect(await ids({ categories: ['LEGAL', 'SOCIAL_STABILITY'] })).toEqual(
      expected((s) => s.categories.includes('LEGAL') || s.categories.includes('SOCIAL_STABILITY')),
    );
    expect(await ids({ categories: ['MANAGEMENT'] })).toEqual(expected((s) => s.categories.includes('MANAGEMENT')));
  });

  it('regionPrefix of 2, 4 or 6 digits (a 6-digit code ending in 00 means its prefix)', async () => {
    expect(await ids({ regionPrefix: '14' })).toEqual(expected((s) => s.region.startsWith('14')));
    expect(await ids({ regionPrefix: '61' })).toEqual(expected((s) => s.region.startsWith('61')));
    expect(await ids({ regionPrefix: '1408' })).toEqual(expected((s) => s.region.startsWith('1408')));
    expect(await ids({ regionPrefix: '140800' })).toEqual(expected((s) => s.region.startsWith('1408')));
    expect(await ids({ regionPrefix: '140821' })).toEqual(expected((s) => s.region === '140821'));
    expect(await ids({ regionPrefix: '1410' })).toEqual(expected((s) => s.region.startsWith('1410')));
  });

  it.each(['1', '140', '1408021', '99', 'ab', '14-8'])('an invalid regionPrefix %j is BAD_USER_INPUT', async (regionPrefix) => {
    const result = await t.gql(LIST, { filter: { regionPrefix }, first: 10 });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'regionPrefix' });
  });

  it('effectiveFrom and effectiveTo (inclusive; entries without a date fall outside a range)', async () => {
    expect(await ids({ effectiveFrom: '2026-02-01', effectiveTo: '2026-05-20' })).toEqual(
      expected((s) => s.effectiveDate !== null && s.effectiveDate >= '2026-02-01' && s.effectiveDate <= '2026-05-20'),
    );
    expect(await ids({ effectiveFrom: '2026-06-30' })).toEqual(expected((s) => s.effectiveDate !== null && s.effectiveDate >= '2026-06-30'));
    expect(await ids({ effectiveTo: '2026-01-15' })).toEqual(expected((s) => s.effectiveDate !== null && s.effectiveDate <= '2026-01-15'));
    const bad = await t.gql(LIST, { filter: { effectiveFrom: '2026-02-30' }, first: 10 });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
  });

  it('publishedFrom (inclusive) and publishedTo (exclusive)', async () => {
    expect(await ids({ publishedFrom: wave2From })).toEqual(expected((s) => s.wave === 2));
    expect(await ids({ publishedTo: wave2From })).toEqual(expected((s) => s.wave === 1));
    expect(await ids({ publishedFrom: wave2From, publishedTo: wave2From })).toEqual([]);
    expect(await ids({ publishedFrom: new Date(Date.now() + 3_600_000).toISOString() })).toEqual([]);
  });

  it('uscc: every list an enterprise is on; enterpriseName: a fragment, with % and _ taken literally', async () => {
    expect(await ids({ uscc: f(1) })).toEqual(expected((s) => s.uscc === f(1)));
    expect(await ids({ uscc: f(1).toLowerCase() })).toEqual(expected((s) => s.uscc === f(1)));
    expect(await ids({ enterpriseName: '盐湖' })).toEqual(expected((s) => s.name.includes('盐湖')));
    expect(await ids({ enterpriseName: '%' })).toEqual(expected((s) => s.name.includes('%')));
    expect(await ids({ enterpriseName: '_' })).toEqual(expected((s) => s.name.includes('_')));
    expect(await ids({ enterpriseName: '果业' })).toEqual(expected((s) => s.name.includes('果业')));
    const bad = await t.gql(LIST, { filter: { uscc: '91140802MA0K000000' }, first: 10 });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
  });

  it('filters combine (and): ORANGE or worse in 1408 on the tax or court lists', async () => {
    expect(await ids({ minRiskLevel: 'ORANGE', regionPrefix: '1408', publisherKinds: ['TAX', 'COURT'] })).toEqual(
      expected((s) => SEVERITY[s.level] <= 2 && s.region.startsWith('1408') && ['TAX', 'COURT'].includes(KIND[s.unit])),
    );
  });

  async function ordered(field: string, direction: string, first = 100, after?: string) {
    const result = await t.gql(LIST, { filter: { status: 'ALL' }, orderBy: { field, direction }, first, after });
    expect(result.errors).toBeUndefined();
    return result.data.riskEntries;
  }

  it('orderBy PUBLISHED_AT: newest first by default', async () => {
    const byDefault = await t.gql(LIST, { filter: { status: 'ALL' }, first: 100 });
    const desc = await ordered('PUBLISHED_AT', 'DESC');
    expect(byDefault.data.riskEntries.edges.map((e: any) => e.node.id)).toEqual(desc.edges.map((e: any) => e.node.id));
    const times = desc.edges.map((e: any) => new Date(e.node.publishedAt).getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times[0]).toBeGreaterThan(times[times.length - 1]);
    const asc = await ordered('PUBLISHED_AT', 'ASC');
    expect(asc.edges.map((e: any) => e.node.id)).toEqual(desc.edges.map((e: any) => e.node.id).reverse());
  });

  it('orderBy SEVERITY: DESC puts RED first, ASC BLUE first', async () => {
    const desc = await ordered('SEVERITY', 'DESC');
    const levels = desc.edges.map((e: any) => SEVERITY[e.node.riskLevel as keyof typeof SEVERITY]);
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
    expect(desc.edges[0].node.riskLevel).toBe('RED');
    const asc = await ordered('SEVERITY', 'ASC');
    expect(asc.edges[0].node.riskLevel).toBe('BLUE');
    expect(asc.edges.map((e: any) => e.node.id)).toEqual(desc.edges.map((e: any) => e.node.id).reverse());
  });

  it('orderBy AMOUNT: by value (not as text), entries without an amount last in DESC', async () => {
    const desc = await ordered('AMOUNT', 'DESC');
    const amounts = desc.edges.map((e: any) => e.node.amount);
    const withAmount = SPECS.filter((s) => s.amount !== null).map((s) => s.amount!);
    expect(amounts.slice(0, withAmount.length)).toEqual([...withAmount].sort((a, b) => Number(b) - Number(a)));
    expect(amounts.slice(withAmount.length).every((amount: string | null) => amount === null)).toBe(true);
    expect(amounts[0]).toBe('5000000.00');
    const asc = await ordered('AMOUNT', 'ASC');
    expect(asc.edges.map((e: any) => e.node.id)).toEqual(desc.edges.map((e: any) => e.node.id).reverse());
  });

  it.each([
    ['PUBLISHED_AT', 'DESC'],
    ['PUBLISHED_AT', 'ASC'],
    ['SEVERITY', 'DESC'],
    ['SEVERITY', 'ASC'],
    ['AMOUNT', 'DESC'],
    ['AMOUNT', 'ASC'],
  ])('paging by %s %s with cursors returns every entry exactly once, in order', async (field, direction) => {
    const whole = (await ordered(field, direction)).edges.map((e: any) => e.node.id);
    expect(whole).toHaveLength(SPECS.length);
    const paged: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 20; page++) {
      const connection = await ordered(field, direction, 3, after);
      expect(connection.totalCount).toBe(SPECS.length);
      paged.push(...connection.edges.map((e: any) => e.node.id));
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(paged).toEqual(whole);
    expect(new Set(paged).size).toBe(SPECS.length);
  });

  it("paging keeps a filter and the caller's visibility", async () => {
    const whole = await ids({ minRiskLevel: 'YELLOW', status: 'ALL' });
    const paged: string[] = [];
    let after: string | undefined;
    do {
      const result = await t.gql(LIST, { filter: { minRiskLevel: 'YELLOW', status: 'ALL' }, first: 2, after });
      paged.push(...result.data.riskEntries.edges.map((edge: any) => idOf(edge.node)));
      after = result.data.riskEntries.pageInfo.hasNextPage ? result.data.riskEntries.pageInfo.endCursor : undefined;
    } while (after);
    expect(paged.sort()).toEqual(whole);
  });

  it.each([
    ['not base64 JSON', () => 'not a cursor!'],
    ['of the wrong shape', () => Buffer.from(JSON.stringify(['x'])).toString('base64url')],
    ['with a forged sort key', () => Buffer.from(JSON.stringify(['not-a-time', randomUUID()])).toString('base64url')],
    ['with a forged id', () => Buffer.from(JSON.stringify(['2026-01-01 00:00:00+00', 'not-a-uuid'])).toString('base64url')],
  ])('a malformed cursor (%s) is BAD_USER_INPUT', async (_name, cursor) => {
    const result = await t.gql(LIST, { first: 2, after: cursor() });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('a cursor of another order is BAD_USER_INPUT, not an internal error', async () => {
    const severity = await ordered('SEVERITY', 'DESC', 2);
    const result = await t.gql(LIST, {
      filter: { status: 'ALL' },
      orderBy: { field: 'PUBLISHED_AT', direction: 'DESC' },
      first: 2,
      after: severity.pageInfo.endCursor,
    });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const amount = await ordered('AMOUNT', 'DESC', 2);
    const wrong = await t.gql(LIST, {
      filter: { status: 'ALL' },
      orderBy: { field: 'SEVERITY', direction: 'DESC' },
      first: 2,
      after: amount.pageInfo.endCursor,
    });
    expect(wrong.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('SQL statements per page (DataLoaders)', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  const counter = statementCounter();

  const PAGE = `query($first: Int) { riskEntries(first: $first) { edges { node { id uscc enterprise { name uscc } publisher { code } } } } }`;
  const PAGE_WITH_COUNT = `query($first: Int) { riskEntries(first: $first) { totalCount edges { node { id enterprise { name uscc } publisher { code } } } } }`;
  const NESTED = `query($first: Int) { enterprises(first: $first) { edges { node { uscc riskEntries { id uscc publisher { code } } } } } }`;

  beforeAll(async () => {
    // The ORM logs each statement at trace level with orm: true when the logger is at trace.
    // Statements of execution are counted here: a repeated question must not be answered from the cache.
    t = await startTestHub(counter.env, counter.log);
    keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT');
    keys.PBOC = await t.keyFor('YC-PBOC', ['PUBLISH', 'READ'], 'PBOC');
    const codes = Array.from({ length: 120 }, (_, i) => yanhu(1000 + i));
    await publishOk(t, keys.TAX, { listType: 'TAX_ARREARS', entries: codes.slice(0, 50).map((code) => rowFor('TAX_ARREARS', code)) });
    await publishOk(t, keys.COURT, {
      listType: 'DISHONEST_JUDGMENT_DEBTOR',
      entries: codes.slice(50, 90).map((code) => rowFor('DISHONEST_JUDGMENT_DEBTOR', code)),
    });
    await publishOk(t, keys.PBOC, {
      listType: 'LOAN_OVERDUE',
      classification: 'RESTRICTED',
      sharedWithKinds: ['TAX'],
      entries: codes.slice(90).map((code) => rowFor('LOAN_OVERDUE', code)),
    });
  });
  afterAll(() => t?.stop());

  /** The SQL statements one request costs, not counting the authentication's. */
  const statements = (query: string, variables: Record<string, unknown>, key = t.adminKey) => counter.statements(t, query, variables, key);

  it('the logger hears the ORM: a request shows its statements', async () => {
    const { count, statements: seen } = await statements(`{ units(first: 5) { edges { node { code } } } }`, {});
    expect(count).toBeGreaterThanOrEqual(1);
    expect(seen.some((statement) => /from "unit"/.test(statement ?? ''))).toBe(true);
  });

  it.each(['OFFICE', 'TAX', 'PBOC'])('a page of 100 entries with enterprise and publisher costs at most 3 statements (%s)', async (who) => {
    const key = who === 'OFFICE' ? t.adminKey : keys[who];
    const hundred = await statements(PAGE, { first: 100 }, key);
    const edges = hundred.result.data.riskEntries.edges;
    expect(edges).toHaveLength(100);
    expect(edges.every((edge: any) => edge.node.enterprise.uscc === edge.node.uscc && edge.node.enterprise.name)).toBe(true);
    expect(new Set(edges.map((edge: any) => edge.node.publisher.code)).size).toBeGreaterThan(1);
    expect(hundred.count).toBeLessThanOrEqual(3);

    const ten = await statements(PAGE, { first: 10 }, key);
    expect(ten.result.data.riskEntries.edges).toHaveLength(10);
    expect(ten.count).toBe(hundred.count);
  });

  it('totalCount costs one statement more, and only when selected', async () => {
    const without = await statements(PAGE, { first: 50 });
    const withCount = await statements(PAGE_WITH_COUNT, { first: 50 });
    expect(withCount.result.data.riskEntries.totalCount).toBe(120);
    expect(withCount.count).toBe(without.count + 1);
  });

  it("enterprises with their entries and the entries' publishers: as many statements for 50 enterprises as for 10", async () => {
    const fifty = await statements(NESTED, { first: 50 }, keys.COURT);
    const ten = await statements(NESTED, { first: 10 }, keys.COURT);
    expect(fifty.result.data.enterprises.edges).toHaveLength(50);
    expect(fifty.result.data.enterprises.edges.filter((edge: any) => edge.node.riskEntries.length).length).toBeGreaterThan(10);
    expect(fifty.count).toBe(ten.count);
    expect(fifty.count).toBeLessThanOrEqual(3);
  });
});
