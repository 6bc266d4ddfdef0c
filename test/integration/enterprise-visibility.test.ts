/**
 * Who sees an enterprise, and whose name it carries (issue 10 item 5), on every read path, with the office, market
 * regulation publishing RESTRICTED entries shared with the kind TAX, the tax bureau, the human-resources bureau
 * (its own RESTRICTED entries) and the central bank, which may read none of them. A RESTRICTED row's name stays on
 * the row: the registered name is what every unit reads; an enterprise only RESTRICTED rows name exists only for
 * their readers and carries the name of the first row the caller may read; nobody ever reads a name from a row it
 * may not read — through enterprise(uscc), enterprises (filters and totalCount), list entries, cases and their
 * debtors, debtorRiskEntries, the change feed (polled, replayed, live), the aggregates, the bulletin and the exports.
 */
import { randomUUID } from 'node:crypto';
import { sql } from '../support/db';
import { pollChanges, subscribeChanges } from '../support/feed';
import { startTestHub, type GqlResult, type TestHub } from '../support/hub';
import { statementCounter } from '../support/statements';

const counter = statementCounter();
let t: TestHub;
const keys: Record<string, string> = {};
let start: string;
let today: string;
const ids: Record<string, string> = {};

/** The enterprise, registered by the office. */
const A = '91140802MA00078T4B';
const REGISTERED = '运城市甲测试有限公司';
/** Named only by RESTRICTED rows: market regulation's (shared with TAX), then human resources' own. */
const B = '91140802MA0U00001W';
/** The unknown debtor of a RESTRICTED case shared with the kind TAX. */
const D = '91140802MA0U000020';
/** Named by three RESTRICTED rows: market regulation's (TAX), the tax bureau's (shared with HUMAN_RESOURCES), human resources'. */
const G = '91140802MA0U000033';

/** The name each RESTRICTED row gives, and who may read that row. */
const RESTRICTED_NAMES: Record<string, string[]> = {
  甲企业市场口径: ['OFFICE', 'MARKET', 'TAX'],
  乙企业市场口径: ['OFFICE', 'MARKET', 'TAX'],
  戊市场口径: ['OFFICE', 'MARKET', 'TAX'],
  戊税务口径: ['OFFICE', 'TAX', 'HR'],
  乙企业人社口径: ['OFFICE', 'HR'],
  戊人社口径: ['OFFICE', 'HR'],
  丙法院口径: ['OFFICE', 'COURT', 'TAX'],
  己市场口径: ['OFFICE', 'MARKET', 'TAX'],
};
/** Who may read market regulation's entries. */
const READS_MARKET = ['OFFICE', 'MARKET', 'TAX'];
const VIEWERS = ['OFFICE', 'MARKET', 'TAX', 'HR', 'PBOC', 'COURT'];

/** Fails when `text` holds a name from a row `viewer` may not read. */
function expectNoLeak(viewer: string, text: string) {
  const leaked = Object.entries(RESTRICTED_NAMES)
    .filter(([name, readers]) => !readers.includes(viewer) && text.includes(name))
    .map(([name]) => name);
  expect([viewer, leaked]).toEqual([viewer, []]);
}

/** What each viewer sees of each enterprise: its name, or null when it does not exist for the viewer. */
const SEEN: Record<string, Record<string, string | null>> = {
  OFFICE: { [A]: REGISTERED, [B]: '乙企业市场口径', [D]: '丙法院口径', [G]: '戊市场口径' },
  MARKET: { [A]: REGISTERED, [B]: '乙企业市场口径', [D]: null, [G]: '戊市场口径' },
  TAX: { [A]: REGISTERED, [B]: '乙企业市场口径', [D]: '丙法院口径', [G]: '戊市场口径' },
  HR: { [A]: REGISTERED, [B]: '乙企业人社口径', [D]: null, [G]: '戊税务口径' },
  PBOC: { [A]: REGISTERED, [B]: null, [D]: null, [G]: null },
  COURT: { [A]: REGISTERED, [B]: null, [D]: '丙法院口径', [G]: null },
};

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
  details: { revokedOn: '2026-10-01', decisionNumber: `运市监吊字〔2026〕${uscc.slice(-4)}号` },
  ...extra,
});
const arrears = (uscc: string, enterpriseName: string) => ({
  uscc,
  enterpriseName,
  riskLevel: 'ORANGE',
  categories: ['FINANCIAL'],
  amount: '1000.00',
  details: { taxTypes: ['增值税'] },
});
const wages = (uscc: string, enterpriseName: string) => ({
  uscc,
  enterpriseName,
  riskLevel: 'YELLOW',
  categories: ['SOCIAL_STABILITY'],
  amount: '5000.00',
  details: { employeesAffected: 12 },
});

beforeAll(async () => {
  t = await startTestHub(counter.env, counter.log);
  keys.OFFICE = t.adminKey;
  keys.MARKET = await t.keyFor('YC-SCJG', ['PUBLISH', 'READ', 'SUBSCRIBE', 'ANALYZE'], 'MARKET_REGULATION');
  keys.TAX = await t.keyFor('YC-SWJ', ['PUBLISH', 'READ', 'SUBSCRIBE', 'ANALYZE'], 'TAX');
  keys.HR = await t.keyFor('YC-RSJ', ['PUBLISH', 'READ', 'SUBSCRIBE', 'ANALYZE'], 'HUMAN_RESOURCES');
  keys.PBOC = await t.keyFor('YC-RMYH', ['READ', 'SUBSCRIBE', 'ANALYZE'], 'PBOC');
  keys.COURT = await t.keyFor('YC-ZY', ['PUBLISH', 'READ', 'ANALYZE'], 'COURT', '晋08');
  start = (await ok('{ changesHead }', {}, keys.OFFICE)).data.changesHead;
  [{ today }] = await sql<{ today: string }>(t.databaseUrl, `select (now() at time zone 'Asia/Shanghai')::date::text as today`);

  await ok(
    `mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { created } }`,
    { input: { uscc: A, name: REGISTERED } },
    keys.OFFICE,
  );
  await publish(keys.MARKET, {
    listType: 'LICENSE_REVOKED',
    classification: 'RESTRICTED',
    sharedWithKinds: ['TAX'],
    entries: [revoked(A, '甲企业市场口径'), revoked(B, '乙企业市场口径', { regionCode: '140821' }), revoked(G, '戊市场口径')],
  });
  await publish(keys.TAX, {
    listType: 'TAX_ARREARS',
    classification: 'RESTRICTED',
    sharedWithKinds: ['HUMAN_RESOURCES'],
    entries: [arrears(G, '戊税务口径')],
  });
  await publish(keys.HR, { listType: 'WAGE_ARREARS', classification: 'RESTRICTED', entries: [wages(B, '乙企业人社口径'), wages(G, '戊人社口径')] });
  const register = async (input: Record<string, unknown>) =>
    (
      await ok(
        `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
        { input: { procedure: 'LIQUIDATION', appliedOn: '2026-11-02', ...input } },
        keys.COURT,
      )
    ).data.registerCase.id as string;
  ids.caseA = await register({ caseNumber: '（2026）晋08破申101号', debtorUscc: A, debtorName: '甲法院口径' });
  ids.caseD = await register({
    caseNumber: '（2026）晋08破申102号',
    debtorUscc: D,
    debtorName: '丙法院口径',
    classification: 'RESTRICTED',
    sharedWithKinds: ['TAX'],
  });
});
afterAll(() => t?.stop());

it('the registered name survives a RESTRICTED publication, in the table and for every unit', async () => {
  const [row] = await sql<{ name: string }>(t.databaseUrl, 'select name from enterprise where uscc = $1', [A]);
  expect(row.name).toBe(REGISTERED);
  // What market regulation said stays on its entry, for those who may read it.
  const entries = await ok(
    `query($u: USCC) { riskEntries(filter: { uscc: $u }) { edges { node { enterpriseName enterprise { name } } } } }`,
    { u: A },
    keys.TAX,
  );
  expect(entries.data.riskEntries.edges.map((edge: any) => edge.node)).toEqual([
    { enterpriseName: '甲企业市场口径', enterprise: { name: REGISTERED } },
  ]);
});

describe.each(VIEWERS)('%s', (viewer) => {
  it('enterprise(uscc): null for an enterprise it may not know, as for an unknown code; else the name it may see', async () => {
    const ONE = `query($uscc: USCC!) { enterprise(uscc: $uscc) { uscc name regionCode riskEntries { enterpriseName } cases { debtorName } } }`;
    for (const code of [A, B, D, G]) {
      const result = await ok(ONE, { uscc: code }, keys[viewer]);
      expectNoLeak(viewer, JSON.stringify(result.body));
      expect([code, result.data.enterprise?.name ?? null]).toEqual([code, SEEN[viewer][code]]);
    }
    const unknown = await ok(ONE, { uscc: '91140802MA0U00009M' }, keys[viewer]);
    expect(unknown.body).toEqual({ data: { enterprise: null } });
  });

  it('enterprises and totalCount leave out what it may not know; name and region filters match what it sees', async () => {
    const LIST = `query($filter: EnterpriseFilter) { enterprises(filter: $filter, first: 100) { totalCount edges { node { uscc name regionCode } } } }`;
    const all = await ok(LIST, {}, keys[viewer]);
    expectNoLeak(viewer, JSON.stringify(all.body));
    const visible = Object.entries(SEEN[viewer]).filter(([, name]) => name !== null);
    const listed = all.data.enterprises.edges.map((edge: any) => edge.node).filter((node: any) => [A, B, D, G].includes(node.uscc));
    expect(listed.map((node: any) => [node.uscc, node.name]).sort()).toEqual(visible.sort());
    expect(all.data.enterprises.totalCount).toBe(all.data.enterprises.edges.length);
    // A fragment of a name from a row the viewer may not read finds nothing; one of the name it sees finds it.
    for (const [name, readers] of Object.entries(RESTRICTED_NAMES)) {
      const found = await ok(LIST, { filter: { nameContains: name } }, keys[viewer]);
      const expected = visible.filter(([, seen]) => seen === name).map(([code]) => code);
      expect([name, found.data.enterprises.edges.map((edge: any) => edge.node.uscc)]).toEqual([name, readers.includes(viewer) ? expected : []]);
      expect(found.data.enterprises.totalCount).toBe(expected.length);
    }
    // B's region 140821 is market regulation's word: only its readers find B there.
    const there = await ok(LIST, { filter: { regionPrefix: '140821' } }, keys[viewer]);
    expect(there.data.enterprises.edges.map((edge: any) => edge.node.uscc)).toEqual(READS_MARKET.includes(viewer) ? [B] : []);
  });

  it('riskEntries { enterprise } and Enterprise.riskEntries carry the name it may see', async () => {
    const result = await ok(
      `{ riskEntries(first: 100) { edges { node { uscc enterpriseName enterprise { uscc name regionCode riskEntries { enterpriseName } } } } } }`,
      {},
      keys[viewer],
    );
    expectNoLeak(viewer, JSON.stringify(result.body));
    for (const { node } of result.data.riskEntries.edges) expect([node.uscc, node.enterprise.name]).toEqual([node.uscc, SEEN[viewer][node.uscc]]);
  });

  it("cases { debtor }, case(id) and debtorRiskEntries: a RESTRICTED case's debtor only with the case", async () => {
    const result = await ok(
      `{ cases(first: 100) { totalCount edges { node { id debtorName debtor { uscc name } debtorRiskEntries(first: 10) { enterpriseName enterprise { name } } } } } }`,
      {},
      keys[viewer],
    );
    expectNoLeak(viewer, JSON.stringify(result.body));
    const byId = new Map(result.data.cases.edges.map((edge: any) => [edge.node.id, edge.node]));
    expect((byId.get(ids.caseA) as any).debtor).toEqual({ uscc: A, name: REGISTERED });
    expect(((byId.get(ids.caseA) as any).debtorRiskEntries as any[]).every((entry) => entry.enterprise.name === REGISTERED)).toBe(true);
    expect(((byId.get(ids.caseA) as any).debtorRiskEntries as any[]).length).toBe(READS_MARKET.includes(viewer) ? 1 : 0);
    expect(byId.has(ids.caseD)).toBe(SEEN[viewer][D] !== null);
    const one = await t.gql(`query($id: ID) { case(id: $id) { debtor { name } } }`, { id: ids.caseD }, keys[viewer]);
    if (SEEN[viewer][D]) expect(one.data.case.debtor.name).toBe('丙法院口径');
    else expect(one.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('the polled change feed: nested enterprise and debtor follow what it may see now', async () => {
    const fields = 'riskEntry { uscc enterpriseName enterprise { name } } case { debtorName debtor { uscc name } }';
    const page = await ok(
      `query($after: String) { changes(after: $after, first: 500) { edges { node { ${fields} } } } }`,
      { after: start },
      keys[viewer],
    );
    expectNoLeak(viewer, JSON.stringify(page.body));
    for (const { node } of page.data.changes.edges) {
      if (node.riskEntry) expect(node.riskEntry.enterprise.name).toBe(SEEN[viewer][node.riskEntry.uscc]);
      if (node.case) expect(node.case.debtor.name).toBe(SEEN[viewer][node.case.debtor.uscc]);
    }
  });

  it('aggregates count only the enterprises whose entries it may see', async () => {
    const result = await ok(`{ riskStats(groupBy: []) { entries enterprises } }`, {}, keys[viewer]);
    const readable = { OFFICE: [A, B, G], MARKET: [A, B, G], TAX: [A, B, G], HR: [B, G], PBOC: [], COURT: [] }[viewer]!;
    expect(result.data.riskStats).toEqual([{ entries: expect.any(Number), enterprises: readable.length }]);
  });

  it('the bulletin (GraphQL and Markdown) names enterprises on several lists by the name it may see', async () => {
    const result = await ok(
      `query($d: LocalDate!) { bulletin(from: $d, to: $d) { enterprisesOnSeveralLists { uscc name units } } }`,
      { d: today },
      keys[viewer],
    );
    expectNoLeak(viewer, JSON.stringify(result.body));
    const several = { OFFICE: [B, G], MARKET: [], TAX: [G], HR: [G], PBOC: [], COURT: [] }[viewer]!;
    expect(result.data.bulletin.enterprisesOnSeveralLists.map((row: any) => [row.uscc, row.name])).toEqual(
      several.map((code) => [code, SEEN[viewer][code]]),
    );
    const markdown = await fetch(`${t.url.replace(/\/graphql$/, '')}/bulletins?from=${today}&to=${today}`, {
      headers: { authorization: `Bearer ${keys[viewer]}` },
    });
    expect(markdown.status).toBe(200);
    expectNoLeak(viewer, await markdown.text());
  });

  it('the exports hold no name of a row it may not read', async () => {
    for (const path of ['/export/risk-entries.csv?status=ALL', '/export/cases.csv']) {
      const response = await fetch(`${t.url.replace(/\/graphql$/, '')}${path}`, { headers: { authorization: `Bearer ${keys[viewer]}` } });
      expect([path, response.status]).toEqual([path, 200]);
      expectNoLeak(viewer, await response.text());
    }
  });
});

it('the subscription, replayed and live: nested enterprises follow the subscriber, and a replayed entry restricted since shows only itself', async () => {
  const fields = 'cursor riskEntry { uscc enterpriseName enterprise { name } } case { debtor { uscc name } }';
  // Live from the head (after it, so that what arrives is exactly what follows), and replayed from the start.
  const head = (await ok('{ changesHead }', {}, keys.OFFICE)).data.changesHead;
  const subscribers = ['TAX', 'HR', 'PBOC'].map((viewer) => ({
    viewer,
    live: subscribeChanges(t, keys[viewer], { after: head }, fields),
    replay: subscribeChanges(t, keys[viewer], { after: start }, fields),
  }));
  for (const { replay } of subscribers) await replay.waitFor(1);
  // Give the live subscriptions time to catch up to the head, then write: a new enterprise H known only from market
  // regulation's RESTRICTED entry shared with TAX, and a SHARED tax entry of A as the last change.
  const H = '91140802MA0U000046';
  await new Promise((resolve) => setTimeout(resolve, 500));
  await publish(keys.MARKET, {
    listType: 'LICENSE_REVOKED',
    classification: 'RESTRICTED',
    sharedWithKinds: ['TAX'],
    entries: [revoked(H, '己市场口径')],
  });
  await publish(keys.TAX, { listType: 'TAX_ARREARS', entries: [arrears(A, '甲税务共享口径')] });
  const expectedLive = {
    TAX: [
      [H, '己市场口径'],
      [A, REGISTERED],
    ],
    HR: [[A, REGISTERED]],
    PBOC: [[A, REGISTERED]],
  };
  for (const { viewer, live, replay } of subscribers) {
    await live.waitFor(expectedLive[viewer as keyof typeof expectedLive].length);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const seen = live.received.map((change) => [change.riskEntry.uscc, change.riskEntry.enterprise.name]);
    expect([viewer, seen]).toEqual([viewer, expectedLive[viewer as keyof typeof expectedLive]]);
    const polled = await pollChanges(t, keys[viewer], start);
    await replay.waitFor(polled.changes.length);
    expectNoLeak(viewer, JSON.stringify(replay.received));
    for (const change of replay.received) {
      if (change.riskEntry && change.riskEntry.uscc !== H) expect(change.riskEntry.enterprise.name).toBe(SEEN[viewer][change.riskEntry.uscc]);
      if (change.case) expect(change.case.debtor.name).toBe(SEEN[viewer][change.case.debtor.uscc]);
    }
    await live.stop();
    await replay.stop();
  }

  // Market regulation narrows H's entry to itself: the tax bureau may no longer know H, yet its replayed change of the
  // entry it could read then shows the enterprise as that entry describes it (and nothing from elsewhere).
  await publish(keys.MARKET, { listType: 'LICENSE_REVOKED', classification: 'RESTRICTED', entries: [revoked(H, '己市场口径')] });
  expect((await ok(`query($u: USCC!) { enterprise(uscc: $u) { name } }`, { u: H }, keys.TAX)).data.enterprise).toBeNull();
  const replayed = subscribeChanges(t, keys.TAX, { after: start, filter: { enterprises: [H] } }, fields);
  await replayed.waitFor(1);
  expect(replayed.error).toBeNull();
  expect(replayed.received.map((change) => change.riskEntry)).toEqual([
    { uscc: H, enterpriseName: '己市场口径', enterprise: { name: '己市场口径' } },
  ]);
  await replayed.stop();
});

it('every read path gets the rule without an extra statement per row', async () => {
  const page = `{ riskEntries(first: 100, filter: { status: ALL }) { edges { node { enterprise { name } } } } }`;
  const enterprises = `{ enterprises(first: 100) { totalCount edges { node { name } } } }`;
  // Compiled (compiled-reads.ts): the page with its enterprises is one statement; executed: the page and one batch.
  const pageStatements = process.env.COMPILED_READS === 'false' ? 2 : 1;
  for (const viewer of ['TAX', 'HR', 'PBOC', 'OFFICE']) {
    expect([viewer, (await counter.statements(t, page, {}, keys[viewer])).count]).toEqual([viewer, pageStatements]);
    expect([viewer, (await counter.statements(t, enterprises, {}, keys[viewer])).count]).toEqual([viewer, 2]);
  }
});
