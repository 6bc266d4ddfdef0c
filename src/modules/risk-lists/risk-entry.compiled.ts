/**
 * `riskEntries` compiled to one statement (graphql/compiled-reads.ts): the page of the list's own query
 * (risk-entry.queries), each selected field one column holding the value the GraphQL type would serialise —
 * enum names for levels, decimals and dates as text, times in UTC with milliseconds — the answer's objects made
 * from the columns in the selection's order; its publisher from the join
 * the page already makes, its enterprise as the enterprise visibility rule shows it (access/visibility: the
 * registry's facts when public, personal data masked by the same rule, else the first row the caller may read),
 * and the cursors made by db/keyset as for every page. The invariant is the plugin's: the answer ordinary
 * execution gives, or null (declined). Declined here: any field not in the tables below, `history`, an
 * enterprise's own lists, unmasked personal data (it is audited by execution), `hasPreviousPage` after a cursor.
 */
import { authorize, can } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { maskSql, PERSONAL_DATA_MASKS, seenMentionSql } from '../../access/visibility';
import { cursorRefused, encodeCursor, pageRequest, SortDirection } from '../../db/keyset';
import { apiTime, queryPrepared } from '../../db/sql';
import { onlyKnown, type CompileRequest, type Selected } from '../../graphql/compiled-reads';
import { RiskLevel } from '../../risk-level';
import {
  countRiskEntries,
  riskEntryCursorShape,
  riskEntryPageSql,
  RiskEntryOrderField,
  type RiskEntryFilter,
  type RiskEntryOrder,
} from './risk-entry.queries';

/** A level's number as its enum name. */
const LEVEL_NAME = `(case r.risk_level ${Object.entries(RiskLevel)
  .filter(([, value]) => typeof value === 'number')
  .map(([name, value]) => `when ${value} then '${name}'`)
  .join(' ')} end)`;

/** RiskEntry's leaf fields as SQL over `risk_entry r`. */
const ENTRY_FIELDS: Readonly<Record<string, string>> = {
  id: 'r.id',
  listType: 'r.list_type',
  uscc: 'r.uscc',
  enterpriseName: 'r.enterprise_name',
  regionCode: 'r.region_code',
  riskLevel: LEVEL_NAME,
  categories: 'r.categories',
  amount: 'r.amount::text',
  effectiveDate: 'r.effective_date::text',
  remarks: 'r.remarks',
  details: 'r.details',
  classification: 'r.classification',
  sharedWithUnits: 'r.shared_unit_codes',
  sharedWithKinds: 'r.shared_kinds',
  status: 'r.status',
  version: 'r.version',
  period: 'r.period',
  firstPublishedAt: apiTime('r.first_published_at'),
  publishedAt: apiTime('r.published_at'),
  withdrawnAt: apiTime('r.withdrawn_at'),
  withdrawalReason: 'r.withdrawal_reason',
};

/** Unit's fields as SQL over `unit u` (the publisher). */
const UNIT_FIELDS: Readonly<Record<string, string>> = {
  id: 'u.id',
  code: 'u.code',
  name: 'u.name',
  kind: 'u.kind',
  regionCode: 'u.region_code',
  courtCode: 'u.court_code',
  isOffice: 'u.is_office',
  active: 'u.active',
  createdAt: apiTime('u.created_at'),
  updatedAt: apiTime('u.updated_at'),
};

/**
 * Enterprise's fields, three ways: a public enterprise from its own row `e`; one that is not from the first row
 * naming it that the caller may read (`m` of seenMentionSql); and, should there be none, from this entry `r`
 * itself, as RiskEntry.enterprise does (mentionView). Personal data is added by {@link enterpriseJson}.
 */
const ENTERPRISE_FIELDS: Readonly<Record<string, { registry: string; mention: string; entry: string }>> = {
  uscc: { registry: 'e.uscc', mention: 'r.uscc', entry: 'r.uscc' },
  name: { registry: 'e.name', mention: 'm.name', entry: 'r.enterprise_name' },
  regionCode: { registry: 'e.region_code', mention: 'm.region_code', entry: 'r.region_code' },
  industry: { registry: 'e.industry', mention: 'null', entry: 'null' },
  legalRepresentative: { registry: 'e.legal_representative', mention: 'null', entry: 'null' },
  createdAt: { registry: apiTime('e.public_since'), mention: apiTime('m.at'), entry: apiTime('r.first_published_at') },
  updatedAt: { registry: apiTime('e.updated_at'), mention: apiTime('m.updated_at'), entry: apiTime('r.published_at') },
};
const PERSONAL_DATA_COLUMNS: Readonly<Record<keyof typeof PERSONAL_DATA_MASKS, string>> = {
  legalRepresentativeIdNumber: 'e.legal_representative_id_number',
  contactPhone: 'e.contact_phone',
};
const ENTERPRISE_KNOWN = new Set([...Object.keys(ENTERPRISE_FIELDS), ...Object.keys(PERSONAL_DATA_COLUMNS), 'personalDataMasked']);

const ORDER_DEFAULT: RiskEntryOrder = { field: RiskEntryOrderField.PUBLISHED_AT, direction: SortDirection.DESC };

/** A value of an answer, taken from a row of the statement. */
type Projector = (row: Record<string, unknown>) => unknown;

/** The select list of one statement: each value a column "c<n>", its parameters in the order they appear. */
class Columns {
  readonly list: string[] = [];
  readonly params: unknown[] = [];

  add(sql: string, params: readonly unknown[] = []): Projector {
    const name = `c${this.list.length}`;
    this.list.push(`${sql} as "${name}"`);
    this.params.push(...params);
    return (row) => row[name];
  }
}

/** The object of the selected fields (`__typename` as the type's name), in their order; null when one is unknown. */
function objectOf(fields: readonly Selected[], typeName: string, value: (field: Selected) => Projector | null): Projector | null {
  const parts: [string, Projector][] = [];
  for (const field of fields) {
    const projector = field.name === '__typename' ? () => typeName : value(field);
    if (!projector) return null;
    parts.push([field.key, projector]);
  }
  return (row) => {
    const object: Record<string, unknown> = {};
    for (const [key, projector] of parts) object[key] = projector(row);
    return object;
  };
}

/** `json_build_object` of the selected fields, for the rare enterprise that is not public (built by PostgreSQL). */
function jsonObject(fields: readonly Selected[], typeName: string, value: (field: Selected) => string): string {
  // Response keys are GraphQL names ([_A-Za-z][_0-9A-Za-z]*): safe as SQL literals.
  const pairs = fields.map((field) => `'${field.key}', ${field.name === '__typename' ? `'${typeName}'` : value(field)}`);
  return `json_build_object(${pairs.join(', ')})`;
}

/**
 * The enterprise of entry `r` as the caller sees it; null (declined) for fields it does not cover. A public one
 * from columns of `e`; one that is not, as one JSON value PostgreSQL builds from the row the caller may read.
 */
function enterpriseOf(principal: Principal, field: Selected, columns: Columns): Projector | null {
  const fields = onlyKnown(field, ENTERPRISE_KNOWN);
  if (!fields) return null;
  const unmasked = can(principal, 'seePersonalData');
  if (unmasked && fields.some((selected) => selected.name in PERSONAL_DATA_COLUMNS)) return null;
  const described = (way: 'mention' | 'entry') =>
    jsonObject(fields, 'Enterprise', (selected) => {
      if (selected.name === 'personalDataMasked') return String(!unmasked);
      return selected.name in PERSONAL_DATA_COLUMNS ? 'null' : ENTERPRISE_FIELDS[selected.name][way];
    });
  const seen = seenMentionSql(principal, 'e', described('mention'));
  const isPublic = columns.add('(e.public_since is not null)');
  const mention = columns.add(`(case when e.public_since is null then coalesce(${seen.sql}, ${described('entry')}) end)`, seen.params);
  const registry = objectOf(fields, 'Enterprise', (selected) => {
    if (selected.name === 'personalDataMasked') return () => !unmasked;
    const personal = PERSONAL_DATA_COLUMNS[selected.name as keyof typeof PERSONAL_DATA_COLUMNS];
    if (!personal) return columns.add(ENTERPRISE_FIELDS[selected.name].registry);
    const [head, tail] = PERSONAL_DATA_MASKS[selected.name as keyof typeof PERSONAL_DATA_MASKS];
    return columns.add(maskSql(personal, head, tail));
  })!;
  return (row) => (isPublic(row) ? registry(row) : mention(row));
}

/** A node of the page from the columns it adds over `risk_entry r join unit u` (+ `enterprise e`); null when declined. */
function nodeOf(principal: Principal, field: Selected, columns: Columns): { node: Projector; enterprise: boolean } | null {
  let enterprise = false;
  const node = objectOf(field.fields, 'RiskEntry', (selected) => {
    if (selected.hasArguments) return null;
    if (selected.name === 'publisher') {
      const fields = onlyKnown(selected, new Set(Object.keys(UNIT_FIELDS)));
      return fields && objectOf(fields, 'Unit', (unit) => columns.add(UNIT_FIELDS[unit.name]));
    }
    if (selected.name === 'enterprise') {
      enterprise = true;
      return enterpriseOf(principal, selected, columns);
    }
    const sql = ENTRY_FIELDS[selected.name];
    return sql === undefined ? null : columns.add(sql);
  });
  return node && { node, enterprise };
}

/** What of the connection is selected: its node (under `edges` or not at all), and the other parts. */
interface ConnectionSelection {
  node?: Selected;
  edges?: Selected;
  pageInfo?: Selected;
  totalCount: boolean;
}

function connectionParts(field: Selected): ConnectionSelection | null {
  const parts: ConnectionSelection = { totalCount: false };
  for (const selected of field.fields) {
    if (selected.name === 'edges') {
      if (parts.edges) return null;
      parts.edges = selected;
      for (const part of selected.fields) {
        if (part.name === 'node') {
          if (parts.node) return null;
          parts.node = part;
        } else if (part.name !== 'cursor' && part.name !== '__typename') return null;
      }
    } else if (selected.name === 'pageInfo') {
      if (parts.pageInfo || !onlyKnown(selected, new Set(['hasNextPage', 'endCursor', 'hasPreviousPage', 'startCursor']))) return null;
      parts.pageInfo = selected;
    } else if (selected.name === 'totalCount') parts.totalCount = true;
    else if (selected.name !== '__typename') return null;
  }
  return parts;
}

/** `riskEntries(filter, orderBy, first, after)`: the page in one statement (and totalCount, when selected, in a second). */
export async function compileRiskEntries({ context, args, field }: CompileRequest): Promise<unknown | null> {
  const principal = context.principal;
  authorize(principal, 'readRiskLists');
  const parts = connectionParts(field);
  if (!parts) return null;
  const order = (args.orderBy as RiskEntryOrder | undefined) ?? ORDER_DEFAULT;
  const filter = (args.filter as RiskEntryFilter | undefined) ?? {};
  const page = pageRequest(
    { first: args.first as number | undefined, after: args.after as string | undefined },
    context.config.maxPageSize,
    riskEntryCursorShape(order),
  );
  if (page.after && parts.pageInfo?.fields.some((selected) => selected.name === 'hasPreviousPage')) return null;

  const columns = new Columns();
  const node = parts.node ? nodeOf(principal, parts.node, columns) : { node: () => null, enterprise: false };
  if (!node) return null;
  const joins = node.enterprise ? ' left join enterprise e on e.uscc = r.uscc' : '';
  const select = riskEntryPageSql(principal, filter, order, page, ['r.id', ...columns.list].join(', '), joins);
  const rows = await queryPrepared<Record<string, unknown> & { id: string; sortKey: string }>(context.em, select.sql, [
    ...columns.params,
    ...select.params,
  ]).catch(cursorRefused(page));
  const shown = rows.slice(0, page.first);
  const cursors = shown.map((row) => encodeCursor([row.sortKey, row.id]));

  const total = parts.totalCount ? await countRiskEntries(context.em, principal, filter) : undefined;
  const answer: Record<string, unknown> = {};
  for (const selected of field.fields) {
    if (selected.name === '__typename') answer[selected.key] = 'RiskEntryConnection';
    else if (selected.name === 'totalCount') answer[selected.key] = total;
    else if (selected.name === 'edges') answer[selected.key] = shown.map((row, i) => edge(selected, cursors[i], node.node(row)));
    else answer[selected.key] = pageInfo(selected, { hasNextPage: rows.length > page.first, cursors });
  }
  return answer;
}

/** PageInfo of a page read forwards from its start (hasPreviousPage after a cursor is declined above). */
function pageInfo(selected: Selected, page: { hasNextPage: boolean; cursors: string[] }): Record<string, unknown> {
  const values: Record<string, unknown> = {
    hasNextPage: page.hasNextPage,
    endCursor: page.cursors.at(-1) ?? null,
    startCursor: page.cursors[0] ?? null,
    hasPreviousPage: false,
    __typename: 'PageInfo',
  };
  const info: Record<string, unknown> = {};
  for (const part of selected.fields) info[part.key] = values[part.name];
  return info;
}

function edge(edges: Selected, cursor: string, node: unknown): Record<string, unknown> {
  const shaped: Record<string, unknown> = {};
  for (const part of edges.fields) {
    shaped[part.key] = part.name === 'cursor' ? cursor : part.name === 'node' ? node : 'RiskEntryEdge';
  }
  return shaped;
}
