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
  fields: EntryField[];
  /** The arguments written into the query text; absent when they come as variables. */
  fixed?: PageArguments;
}

/** The node of ../shared/peerbench/queries/hub.graphql. */
const HUB_GRAPHQL: EntryField[] = ['id', 'riskLevel', 'publisher', 'listType', 'amount', 'publishedAt', 'enterprise'];

export const FIXED_OPERATION = 'NewestActiveHighRisk';

export const OPERATIONS: Record<string, Operation> = {
  /** The fixed request: the 50 newest active entries of level ORANGE or higher. */
  [FIXED_OPERATION]: {
    fields: HUB_GRAPHQL,
    fixed: { filter: { minRiskLevel: 'ORANGE' }, orderBy: { field: 'PUBLISHED_AT', direction: 'DESC' }, first: 50 },
  },
  /** Varied arguments, three selections: a paging client's, a brief list's, a list-type watcher's. */
  EntriesPage: { fields: HUB_GRAPHQL },
  EntriesBrief: { fields: ['id', 'uscc', 'enterpriseName', 'riskLevel', 'publishedAt', 'enterprise'] },
  EntriesByList: { fields: ['id', 'listType', 'amount', 'publisher', 'enterprise'] },
};

export const VARIED_OPERATIONS = Object.keys(OPERATIONS).filter((name) => !OPERATIONS[name].fixed);

const VARIABLES = '$filter: RiskEntryFilter, $orderBy: RiskEntryOrder, $first: Int, $after: String';

/** The GraphQL arguments of `args` written as literals (for the fixed request's text). */
function literalArguments(args: PageArguments): string {
  const filter = args.filter?.minRiskLevel ? `filter: { minRiskLevel: ${args.filter.minRiskLevel} }, ` : '';
  const order = args.orderBy ? `orderBy: { field: ${args.orderBy.field}, direction: ${args.orderBy.direction} }, ` : '';
  return `${filter}${order}first: ${args.first ?? 50}`;
}

/** The query text of operation `name`. */
export function queryText(name: string): string {
  const { fields, fixed } = OPERATIONS[name];
  const node = fields.map((field) => SELECTION[field]).join(' ');
  const signature = fixed ? '' : `(${VARIABLES})`;
  const args = fixed ? literalArguments(fixed) : 'filter: $filter, orderBy: $orderBy, first: $first, after: $after';
  return `query ${name}${signature} { entries: riskEntries(${args}) { edges { node { ${node} } } pageInfo { hasNextPage endCursor } } }`;
}

/** The JSON body of one request of operation `name`. */
export function requestBody(name: string, variables?: PageArguments): string {
  return JSON.stringify({ operationName: name, query: queryText(name), ...(variables ? { variables } : {}) });
}

/** The answer's shape, as far as the bench reads it. */
export interface EntriesAnswer {
  entries: { edges: { node: Record<string, unknown> }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}
