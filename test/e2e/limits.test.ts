/**
 * Limits that keep ad-hoc queries safe (issue 6): depth, aliases, root fields, cost and the body size, each a
 * LIMIT_EXCEEDED error naming the limit and its value, over HTTP and over WebSocket alike; nothing runs.
 */
process.env.LOG_LEVEL ??= 'silent';
import { startTestHub, type TestHub } from '../support/hub';
import { firstErrorOverWebSocket } from '../support/websocket';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({
    MAX_QUERY_DEPTH: '5',
    MAX_ALIASES: '2',
    MAX_ROOT_FIELDS: '3',
    MAX_QUERY_COST: '200',
    BODY_LIMIT: '4kb',
    MAX_PAGE_SIZE: '100',
  });
});
afterAll(() => t?.stop());

/** The first error of `query` over WebSocket (graphql-ws), or null when it succeeded. */
const overWebSocket = (query: string, variables?: Record<string, unknown>) => firstErrorOverWebSocket(t, t.adminKey, query, variables);

const DEEP = '{ riskEntries(first: 1) { edges { node { enterprise { riskEntries { uscc } } } } } }';
const ALIASES = '{ a: me { roles } b: me { roles } c: me { roles } }';
const ROOTS = '{ me { roles } units(first: 1) { totalCount } changesHead riskEntries(first: 1) { totalCount } }';
const COSTLY = '{ riskEntries(first: 100) { edges { node { enterprise { uscc } publisher { code } } } } }';

it.each([
  ['depth', DEEP, 'MAX_QUERY_DEPTH', 5],
  ['aliases', ALIASES, 'MAX_ALIASES', 2],
  ['root fields', ROOTS, 'MAX_ROOT_FIELDS', 3],
  ['cost', COSTLY, 'MAX_QUERY_COST', 200],
])('too much %s: LIMIT_EXCEEDED naming the limit and its value, over HTTP and WebSocket', async (_name, query, limit, value) => {
  const http = await t.gql(query);
  // A request refused before execution: 200 under application/json (GraphQL over HTTP), the error in the body.
  expect(http.status).toBe(200);
  expect(http.data ?? null).toBeNull();
  expect(http.errors?.[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit, value });
  expect(http.errors?.[0].message).toContain(limit);
  expect(await overWebSocket(query)).toMatchObject({ extensions: { code: 'LIMIT_EXCEEDED', limit, value } });
});

it('within every limit, the same kind of queries run', async () => {
  for (const query of [
    '{ riskEntries(first: 1) { edges { node { enterprise { uscc } } } } }',
    '{ a: me { roles } b: me { roles } }',
    '{ me { roles } changesHead }',
    '{ riskEntries(first: 20) { edges { node { enterprise { uscc } } } } }',
  ]) {
    const answer = await t.gql(query);
    expect(answer.errors).toBeUndefined();
    expect(await overWebSocket(query)).toBeNull();
  }
});

it('the cost counts the page size asked for in a variable', async () => {
  const query = 'query($n: Int) { riskEntries(first: $n) { edges { node { enterprise { uscc } publisher { code } } } } }';
  expect((await t.gql(query, { n: 10 })).errors).toBeUndefined();
  expect((await t.gql(query, { n: 90 })).errors?.[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_QUERY_COST', value: 200 });
});

it('a nested list without a size counts MAX_NESTED_LIST (here 100: MAX_PAGE_SIZE is 100), with one the size asked for', async () => {
  const query = 'query($n: Int) { cases(first: $n) { edges { node { progress { kind } } } } }';
  expect((await t.gql(query, { n: 1 })).errors).toBeUndefined();
  expect((await t.gql(query, { n: 2 })).errors?.[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_QUERY_COST', value: 200 });
  // With `last`, the timeline counts what it asks for.
  expect((await t.gql('{ cases(first: 10) { edges { node { progress(last: 2) { kind } } } } }')).errors).toBeUndefined();
});

it('a page larger than MAX_PAGE_SIZE: LIMIT_EXCEEDED', async () => {
  const answer = await t.gql('{ units(first: 101) { totalCount } }');
  expect(answer.errors?.[0].extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'MAX_PAGE_SIZE', value: 100 });
});

it('a body over BODY_LIMIT: LIMIT_EXCEEDED over HTTP (413) and over WebSocket', async () => {
  const big = `{ me { roles } } # ${'x'.repeat(5000)}`;
  const http = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` },
    body: JSON.stringify({ query: big }),
  });
  expect(http.status).toBe(413);
  expect(((await http.json()) as any).errors[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'BODY_LIMIT', value: 4096 });
  expect(await overWebSocket(big)).toMatchObject({ extensions: { code: 'LIMIT_EXCEEDED', limit: 'BODY_LIMIT', value: 4096 } });
});

it('introspection is not refused for its depth', async () => {
  const answer = await t.gql('{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name } } } } } } } }');
  expect(answer.errors).toBeUndefined();
});
