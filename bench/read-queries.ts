/**
 * The requests of `npm run bench:read`, shared by the load generator (bench/read.ts) and the baseline's server
 * (bench/read-baseline.ts): a handful of operations on `riskEntries`, each a fixed query text with the alias
 * `entries` (as ../shared/peerbench/queries/hub.graphql). The fixed request has its arguments in the text; the
 * varied ones take them as `variables`, so that the baseline reads the arguments without parsing GraphQL and
 * answers the selection its operationName names.
 */

/** A field of a list entry the requests select, in the order the answer lists them. */
export type EntryField = 'id' | 'uscc' | 'enterpriseName' | 'riskLevel' | 'listType' | 'amount' | 'publishedAt' | 'publisher' | 'enterprise';

const SELECTION: Record<EntryField, string> = {
  id: 'id',
  uscc: 'uscc',
  enterpriseName: 'enterpriseName',
  riskLevel: 'riskLevel',
  listType: 'listType',
  amount: 'amount',
  publishedAt: 'publishedAt',
  publisher: 'publisher { code }',
  enterprise: 'enterprise { name uscc }',
};

export type RiskLevelName = 'RED' | 'ORANGE' | 'YELLOW' | 'BLUE';
export type OrderField = 'PUBLISHED_AT' | 'SEVERITY' | 'AMOUNT';

/** The arguments of `riskEntries` the requests use (what the baseline answers). */
export interface PageArguments {
  filter?: { minRiskLevel?: RiskLevelName | null; listTypes?: string[] | null; regionPrefix?: string | null } | null;
  orderBy?: { field: OrderField; direction: 'ASC' | 'DESC' } | null;
  first?: number | null;
  after?: string | null;
}

export interface Operation {
  /** The query text (literal, so that the documents test reads it). */
  text: string;
  fields: EntryField[];
  /** The arguments written into the query text; absent when they come as variables. */
  fixed?: PageArguments;
}

/** The node of ../shared/peerbench/queries/hub.graphql. */
const HUB_GRAPHQL: EntryField[] = ['id', 'riskLevel', 'publisher', 'listType', 'amount', 'publishedAt', 'enterprise'];

export const FIXED_OPERATION = 'NewestActiveHighRisk';

const VARIABLES = '$filter: RiskEntryFilter, $orderBy: RiskEntryOrder, $first: Int, $after: String';
const ARGUMENTS = 'filter: $filter, orderBy: $orderBy, first: $first, after: $after';
const PAGE_INFO = 'pageInfo { hasNextPage endCursor }';

export const OPERATIONS: Record<string, Operation> = {
  /** The fixed request: the 50 newest active entries of level ORANGE or higher. */
  [FIXED_OPERATION]: {
    text: `query NewestActiveHighRisk { entries: riskEntries(filter: { minRiskLevel: ORANGE }, orderBy: { field: PUBLISHED_AT, direction: DESC }, first: 50) {
      edges { node { id riskLevel publisher { code } listType amount publishedAt enterprise { name uscc } } } ${PAGE_INFO} } }`,
    fields: HUB_GRAPHQL,
    fixed: { filter: { minRiskLevel: 'ORANGE' }, orderBy: { field: 'PUBLISHED_AT', direction: 'DESC' }, first: 50 },
  },
  /** Varied arguments, three selections: a paging client's, a brief list's, a list-type watcher's. */
  EntriesPage: {
    text: `query EntriesPage(${VARIABLES}) { entries: riskEntries(${ARGUMENTS}) {
      edges { node { id riskLevel publisher { code } listType amount publishedAt enterprise { name uscc } } } ${PAGE_INFO} } }`,
    fields: HUB_GRAPHQL,
  },
  EntriesBrief: {
    text: `query EntriesBrief(${VARIABLES}) { entries: riskEntries(${ARGUMENTS}) {
      edges { node { id uscc enterpriseName riskLevel publishedAt enterprise { name uscc } } } ${PAGE_INFO} } }`,
    fields: ['id', 'uscc', 'enterpriseName', 'riskLevel', 'publishedAt', 'enterprise'],
  },
  EntriesByList: {
    text: `query EntriesByList(${VARIABLES}) { entries: riskEntries(${ARGUMENTS}) {
      edges { node { id listType amount publisher { code } enterprise { name uscc } } } ${PAGE_INFO} } }`,
    fields: ['id', 'listType', 'amount', 'publisher', 'enterprise'],
  },
};

export const VARIED_OPERATIONS = Object.keys(OPERATIONS).filter((name) => !OPERATIONS[name].fixed);

/** The query text of operation `name`; its selection is the operation's `fields`, in their order (checked at load). */
export function queryText(name: string): string {
  return OPERATIONS[name].text;
}

// The texts select exactly the fields the baseline answers, in the same order.
for (const [name, operation] of Object.entries(OPERATIONS)) {
  const selection = operation.fields.map((field) => SELECTION[field]).join(' ');
  if (!operation.text.replace(/\s+/g, ' ').includes(`node { ${selection} }`))
    throw new Error(`bench/read-queries.ts: ${name}'s text does not select its fields`);
}

/** The JSON body of one request of operation `name`. */
export function requestBody(name: string, variables?: PageArguments): string {
  return JSON.stringify({ operationName: name, query: queryText(name), ...(variables ? { variables } : {}) });
}

/** The answer's shape, as far as the bench reads it. */
export interface EntriesAnswer {
  entries: { edges: { node: Record<string, unknown> }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}
