/**
 * Relay's PageInfo on every connection: `startCursor` is the first edge's cursor (null on an empty page), and since
 * the hub pages forwards only, `hasPreviousPage` is true when `after` was given and a row comes before the page —
 * the row the cursor names or one sorting before it, among the rows the same filter shows the same caller (on the
 * change feed: a change of the log at or before `after`, whoever may see it). It costs a statement only when
 * selected with `after`.
 */
import { startTestHub, type GqlResult, type TestHub } from '../support/hub';
import { seedPagedLists } from '../support/paged-lists';
import { statementCounter } from '../support/statements';

const PAGE_INFO = 'pageInfo { hasPreviousPage hasNextPage startCursor endCursor }';

interface Connection {
  edges: { cursor: string }[];
  pageInfo: { hasPreviousPage: boolean; hasNextPage: boolean; startCursor: string | null; endCursor: string | null };
}

interface List {
  name: string;
  /** The query of a page of 2 after `$after`, its connection at `field`. */
  query: string;
  field: string;
  variables?: Record<string, unknown>;
}

const entries = (field: string, direction: string): List => ({
  name: `riskEntries by ${field} ${direction}`,
  query: `query($after: String, $orderBy: RiskEntryOrder) { riskEntries(first: 2, after: $after, orderBy: $orderBy, filter: { status: ALL }) { edges { cursor } ${PAGE_INFO} } }`,
  field: 'riskEntries',
  variables: { orderBy: { field, direction } },
});
const cases = (field: string, direction: string): List => ({
  name: `cases by ${field} ${direction}`,
  query: `query($after: String, $orderBy: CaseOrder) { cases(first: 2, after: $after, orderBy: $orderBy) { edges { cursor } ${PAGE_INFO} } }`,
  field: 'cases',
  variables: { orderBy: { field, direction } },
});
const plain = (field: string): List => ({
  name: field,
  query: `query($after: String) { ${field}(first: 2, after: $after) { edges { cursor } ${PAGE_INFO} } }`,
  field,
});
const LISTS: List[] = [
  entries('PUBLISHED_AT', 'ASC'),
  entries('SEVERITY', 'DESC'),
  entries('AMOUNT', 'ASC'),
  cases('REGISTERED_AT', 'ASC'),
  cases('SEVERITY', 'DESC'),
  plain('riskPublications'),
  plain('enterprises'),
  plain('units'),
  plain('auditTrail'),
  plain('changes'),
];

const counter = statementCounter();
let t: TestHub;
let pboc: string;

async function page(list: List, after: string | null, key = t.adminKey): Promise<Connection> {
  const result: GqlResult = await t.gql(list.query, { ...list.variables, after }, key);
  expect(result.errors).toBeUndefined();
  return result.data[list.field];
}

beforeAll(async () => {
  t = await startTestHub(counter.env, counter.log);
  await seedPagedLists(t);
  pboc = await t.keyFor('YC-PBOC', ['READ'], 'PBOC');
});
afterAll(() => t?.stop());

describe.each(LISTS.map((list) => [list.name, list] as const))('%s', (_name, list) => {
  it('the first page has nothing before it; startCursor is its first edge', async () => {
    const first = await page(list, null);
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo).toEqual({
      hasPreviousPage: false,
      hasNextPage: true,
      startCursor: first.edges[0].cursor,
      endCursor: first.edges[1].cursor,
    });
  });

  it('a later page has a previous page; past the end, an empty page has no startCursor', async () => {
    const first = await page(list, null);
    const second = await page(list, first.pageInfo.endCursor);
    expect(second.edges.length).toBeGreaterThan(0);
    expect(second.pageInfo.hasPreviousPage).toBe(true);
    expect(second.pageInfo.startCursor).toBe(second.edges[0].cursor);
    expect(second.pageInfo.startCursor).not.toBe(first.pageInfo.endCursor);
    let last = second;
    for (let i = 0; last.pageInfo.hasNextPage && i < 100; i++) last = await page(list, last.pageInfo.endCursor);
    const empty = await page(list, last.pageInfo.endCursor);
    expect(empty.edges).toEqual([]);
    expect(empty.pageInfo.hasPreviousPage).toBe(true);
    expect(empty.pageInfo.hasNextPage).toBe(false);
    expect(empty.pageInfo.startCursor).toBeNull();
    // The change feed's endCursor stays where the page reached (here: where it started); a list's is null.
    expect(empty.pageInfo.endCursor).toBe(list.field === 'changes' ? last.pageInfo.endCursor : null);
  });
});

describe('hasPreviousPage counts only the rows the same filter shows the same caller', () => {
  const ENTRIES = `query($after: String, $filter: RiskEntryFilter) {
    riskEntries(first: 2, after: $after, orderBy: { field: PUBLISHED_AT, direction: DESC }, filter: $filter) { edges { cursor } ${PAGE_INFO} } }`;
  const list = (filter: Record<string, unknown>): List => ({ name: 'entries', query: ENTRIES, field: 'riskEntries', variables: { filter } });
  /** The office's cursor of the last entry published, first newest first: the RESTRICTED one. */
  const firstEntry = async () => (await page(list({ status: 'ALL' }), null)).edges[0].cursor;

  it('another filter: no row of it at or before the cursor', async () => {
    const cursor = await firstEntry();
    expect((await page(list({ status: 'ALL' }), cursor)).pageInfo.hasPreviousPage).toBe(true);
    const taxArrears = await page(list({ status: 'ALL', listTypes: ['TAX_ARREARS'] }), cursor);
    expect(taxArrears.edges).toHaveLength(2);
    expect(taxArrears.pageInfo.hasPreviousPage).toBe(false);
  });

  it('another caller: a row it may not see does not count', async () => {
    const cursor = await firstEntry();
    const seen = await page(list({ status: 'ALL' }), cursor, pboc);
    expect(seen.edges).toHaveLength(2);
    expect(seen.pageInfo.hasPreviousPage).toBe(false);
    // The cursor of a row it does see: that row comes before the page.
    const own = await page(list({ status: 'ALL' }), null, pboc);
    expect((await page(list({ status: 'ALL' }), own.edges[0].cursor, pboc)).pageInfo.hasPreviousPage).toBe(true);
  });

  it('on the change feed, any change of the log at or before after counts, whoever may see it and whatever the filter', async () => {
    const feed: List = {
      name: 'changes',
      query: `query($after: String, $filter: ChangeFilter) { changes(first: 2, after: $after, filter: $filter) { edges { cursor } ${PAGE_INFO} } }`,
      field: 'changes',
      variables: { filter: { topics: ['CREDENTIAL'] } },
    };
    const first = await page(plain('changes'), null);
    const unseen = await page(feed, first.edges[0].cursor, pboc);
    expect(unseen.edges).toEqual([]);
    expect(unseen.pageInfo.hasPreviousPage).toBe(true);
    expect(unseen.pageInfo.startCursor).toBeNull();
  });
});

describe('hasPreviousPage costs a statement only when selected, and only with after', () => {
  const WITHOUT = 'pageInfo { hasNextPage startCursor endCursor }';
  const queries: [string, (pageInfo: string) => string][] = [
    ['riskEntries', (p) => `query($after: String) { riskEntries(first: 2, after: $after) { edges { cursor node { uscc } } ${p} } }`],
    ['cases', (p) => `query($after: String) { cases(first: 2, after: $after) { edges { cursor node { id } } ${p} } }`],
    ['changes', (p) => `query($after: String) { changes(first: 2, after: $after) { edges { cursor node { kind } } ${p} } }`],
  ];

  it.each(queries)('%s', async (field, query) => {
    const statements = (pageInfo: string, after: string | null) => counter.statements(t, query(pageInfo), { after });
    const first = await statements(WITHOUT, null);
    const after = first.result.data[field].pageInfo.endCursor as string;
    const firstAsked = await statements(PAGE_INFO, null);
    expect(firstAsked.result.data[field].pageInfo.hasPreviousPage).toBe(false);
    expect(firstAsked.count).toBe(first.count);

    const later = await statements(WITHOUT, after);
    const laterAsked = await statements(PAGE_INFO, after);
    expect(laterAsked.result.data[field].pageInfo.hasPreviousPage).toBe(true);
    expect(later.count).toBe(first.count);
    expect(laterAsked.count).toBe(later.count + 1);
  });
});
