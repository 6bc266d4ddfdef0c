/**
 * Page cursors come back from clients: every part of one is checked against the kind of its list's sort column
 * (an integer in range, a decimal string, a time that exists, a UUID, a code) before it reaches SQL. On every
 * paged list and in every order, a tampered cursor is BAD_USER_INPUT naming `after` and rule `cursor`, never
 * INTERNAL_SERVER_ERROR; the cursors the hub hands out still page.
 */
import { randomUUID } from 'node:crypto';
import { startTestHub, type GqlResult, type TestHub } from '../support/hub';
import { seedPagedLists } from '../support/paged-lists';

/** A cursor made of raw JSON text (so that `1e400` stays a number literal JSON.stringify could not write). */
const raw = (json: string) => Buffer.from(json, 'utf8').toString('base64url');
const id = randomUUID();

type Part = 'int' | 'decimal' | 'time' | 'uuid' | 'text';

/** A good value of each kind, and tampered ones that must be refused in its place. */
const GOOD: Record<Part, string> = { int: '"3"', decimal: '"100.00"', time: '"2026-11-29 02:13:14.123456+00"', uuid: `"${id}"`, text: '"YC-TAX"' };
const BAD: Record<Part, [string, string][]> = {
  int: [
    ['1e400', '1e400'],
    ['an integer beyond int4', '"2147483648"'],
    ['a number beyond int4', '2147483648'],
    ['a fraction', '"1.5"'],
    ['an exponent', '"1e3"'],
    ['Infinity as text', '"Infinity"'],
    ['an object', '{"a":1}'],
  ],
  decimal: [
    ['1e400', '1e400'],
    ['a number, not a decimal string', '12.5'],
    ['an exponent', '"1e400"'],
    ['NaN', '"NaN"'],
    ['Infinity', '"Infinity"'],
    ['two points', '"1.2.3"'],
    ['hexadecimal', '"0x10"'],
    ['a space', '" 12"'],
  ],
  time: [
    ['1e400', '1e400'],
    ['a day that does not exist', '"2026-02-30 00:00:00+00"'],
    ['hour 24', '"2026-02-28 24:00:00+00"'],
    ['not a time', '"not-a-time"'],
    ['a PostgreSQL word', '"now"'],
    ['infinity', '"infinity"'],
    ['a number', '0'],
    ['year 0', '"0000-01-01 00:00:00+00"'],
  ],
  uuid: [
    ['1e400', '1e400'],
    ['a non-UUID', '"not-a-uuid"'],
    ['a UUID with a quote', `"${id.slice(0, -1)}'"`],
    ['a number', '1'],
  ],
  text: [
    ['1e400', '1e400'],
    ['an empty code', '""'],
    ['an array', '["YC-TAX"]'],
    ['a control character', '"YC\\u0000TAX"'],
    ['an overlong code', `"${'X'.repeat(101)}"`],
  ],
};

interface List {
  name: string;
  query: (after: string | null) => [string, Record<string, unknown>];
  pick: (result: GqlResult) => { edges: { cursor: string }[]; pageInfo: { endCursor: string | null } };
  shape: Part[];
}

const entries = (field: string): List => ({
  name: `riskEntries by ${field}`,
  query: (after) => [
    `query($after: String, $orderBy: RiskEntryOrder) { riskEntries(first: 2, after: $after, orderBy: $orderBy, filter: { status: ALL }) { edges { cursor } pageInfo { endCursor } } }`,
    { after, orderBy: { field, direction: 'DESC' } },
  ],
  pick: (result) => result.data.riskEntries,
  shape: [field === 'PUBLISHED_AT' ? 'time' : field === 'SEVERITY' ? 'int' : 'decimal', 'uuid'],
});
const cases = (field: string): List => ({
  name: `cases by ${field}`,
  query: (after) => [
    `query($after: String, $orderBy: CaseOrder) { cases(first: 2, after: $after, orderBy: $orderBy) { edges { cursor } pageInfo { endCursor } } }`,
    { after, orderBy: { field, direction: 'ASC' } },
  ],
  pick: (result) => result.data.cases,
  shape: [field.endsWith('_AT') ? 'time' : 'int', 'uuid'],
});
const LISTS: List[] = [
  entries('PUBLISHED_AT'),
  entries('SEVERITY'),
  entries('AMOUNT'),
  cases('UPDATED_AT'),
  cases('REGISTERED_AT'),
  cases('SEVERITY'),
  cases('EMPLOYEES_AFFECTED'),
  {
    name: 'riskPublications',
    query: (after) => [`query($after: String) { riskPublications(first: 2, after: $after) { edges { cursor } pageInfo { endCursor } } }`, { after }],
    pick: (result) => result.data.riskPublications,
    shape: ['time', 'uuid'],
  },
  {
    name: 'enterprises',
    query: (after) => [`query($after: String) { enterprises(first: 2, after: $after) { edges { cursor } pageInfo { endCursor } } }`, { after }],
    pick: (result) => result.data.enterprises,
    shape: ['text'],
  },
  {
    name: 'units',
    query: (after) => [`query($after: String) { units(first: 2, after: $after) { edges { cursor } pageInfo { endCursor } } }`, { after }],
    pick: (result) => result.data.units,
    shape: ['text'],
  },
];

/** Every tampered cursor of a list of sort key `shape`: each part tampered in turn, and the wrong number of parts. */
function tampered(shape: Part[]): [string, string][] {
  const good = shape.map((part) => GOOD[part]);
  const cursors: [string, string][] = [];
  shape.forEach((part, i) => {
    for (const [what, value] of BAD[part]) {
      const parts = [...good];
      parts[i] = value;
      cursors.push([`part ${i + 1} (${part}): ${what}`, raw(`[${parts.join(',')}]`)]);
    }
  });
  cursors.push(['one part too few', raw(`[${good.slice(0, -1).join(',')}]`)]);
  cursors.push(['one part too many', raw(`[${[...good, GOOD.uuid].join(',')}]`)]);
  cursors.push(['not JSON', raw('[1e400')]);
  cursors.push(['an object', raw('{"0":1}')]);
  return cursors;
}

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
  await seedPagedLists(t);
});
afterAll(() => t?.stop());

describe.each(LISTS.map((list) => [list.name, list] as const))('%s', (_name, list) => {
  it('the cursors the hub hands out page on to the end, each row once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const [query, variables] = list.query(after);
      const result = await t.gql(query, variables);
      expect(result.errors).toBeUndefined();
      const connection = list.pick(result);
      seen.push(...connection.edges.map((edge) => edge.cursor));
      if (!connection.edges.length) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it.each(tampered(list.shape))('a cursor with %s is BAD_USER_INPUT (after, cursor), never an internal error', async (_what, cursor) => {
    const [query, variables] = list.query(cursor);
    const result = await t.gql(query, variables);
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after', rule: 'cursor' });
  });
});
