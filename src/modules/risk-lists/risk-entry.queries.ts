/**
 * The SQL of list entries' reads (the module's queries): the filter with the caller's visibility, the orders and
 * their cursors, and the page. The list (risk-entry.service), its compiled read (risk-entry.compiled), the
 * aggregates and the exports build on these, so a filter means the same wherever it is used.
 */
import type { Principal } from '../../access/principal';
import type { UnitKind } from '../../access/unit-kind';
import { visibleSql } from '../../access/visibility';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, queryPrepared } from '../../db/sql';
import { anyRowSql, keysetConditions, SortDirection, type CursorPart, type CursorShape, type PageRequest } from '../../db/keyset';
import { parseLocalDate } from '../../calendar-date';
import { parseRegionPrefix } from '../../region';
import { parseUscc } from '../enterprises/uscc';
import { ruleValue } from '../../input';
import type { RiskListType } from '../../risk-list-type';
import type { RiskCategory, RiskLevel } from '../../risk-level';

export enum EntryStatusFilter {
  ACTIVE = 'ACTIVE',
  WITHDRAWN = 'WITHDRAWN',
  ALL = 'ALL',
}

export interface RiskEntryFilter {
  listTypes?: RiskListType[] | null;
  /** Unit codes. */
  publishers?: string[] | null;
  publisherKinds?: UnitKind[] | null;
  /** At least this severe: ORANGE means ORANGE or RED. */
  minRiskLevel?: RiskLevel | null;
  /** Entries with any of these categories. */
  categories?: RiskCategory[] | null;
  regionPrefix?: string | null;
  status?: EntryStatusFilter | null;
  effectiveFrom?: string | null;
  effectiveTo?: string | null;
  publishedFrom?: Date | null;
  publishedTo?: Date | null;
  uscc?: string | null;
  /** A fragment of the enterprise's name, as published. */
  enterpriseName?: string | null;
}

export enum RiskEntryOrderField {
  PUBLISHED_AT = 'PUBLISHED_AT',
  /** DESC puts RED first. */
  SEVERITY = 'SEVERITY',
  AMOUNT = 'AMOUNT',
}

export interface RiskEntryOrder {
  field: RiskEntryOrderField;
  direction: SortDirection;
}

/** Sort expression, the type its cursor value is cast back to, and the kind a cursor's value must be of. */
const ORDER: Record<RiskEntryOrderField, { expression: string; cast: string; part: CursorPart }> = {
  PUBLISHED_AT: { expression: 'r.published_at', cast: 'timestamptz', part: 'time' },
  SEVERITY: { expression: '(5 - r.risk_level)', cast: 'int', part: 'int' },
  AMOUNT: { expression: 'coalesce(r.amount, -1)', cast: 'numeric', part: 'decimal' },
};

/** The sort key of a page of entries in `order`: its sort value, then the entry's id. */
export function riskEntryCursorShape(order: RiskEntryOrder): CursorShape {
  return [ORDER[order.field].part, 'uuid'];
}

/**
 * One page of entries in `order` after `page.after`: `select` over `risk_entry r join unit u` (the publisher) and
 * `joins`, with the row's sort key as text in `"sortKey"`; `page.first + 1` rows, the last one telling whether
 * a next page exists.
 */
export function riskEntryPageSql(
  principal: Principal,
  filter: RiskEntryFilter,
  order: RiskEntryOrder,
  page: PageRequest,
  select: string,
  joins = '',
): { sql: string; params: unknown[] } {
  const { where, params } = riskEntryFilterSql(principal, filter);
  const { expression } = ORDER[order.field];
  const after = page.after ? ` and ${keysetOf(order).after}` : '';
  const direction = order.direction === SortDirection.DESC ? 'desc' : 'asc';
  // Written into the statement, not bound: with a bound LIMIT the prepared statement's generic plan does not know
  // the page is small and may join every enterprise before sorting. One statement per page size (a few).
  const limit = Math.trunc(page.first) + 1;
  return {
    sql: `select ${select}, (${expression})::text as "sortKey"
       from risk_entry r join unit u on u.id = r.publisher_unit_id${joins}
       where ${where}${after}
       order by ${expression} ${direction}, r.id ${direction} limit ${limit}`,
    params: [...params, ...(page.after ?? [])],
  };
}

/** The keyset conditions of `order` on `(sort value, id)` against a cursor's two values bound as `?`. */
function keysetOf(order: RiskEntryOrder): { after: string; atOrBefore: string } {
  const { expression, cast } = ORDER[order.field];
  return keysetConditions(`${expression}, r.id`, `?::${cast}, ?::uuid`, order.direction === SortDirection.DESC);
}

/** Whether an entry of the filter sorts at or before the sort key `key` in `order` (hasPreviousPage). */
export function riskEntryAnyBeforeSql(
  principal: Principal,
  filter: RiskEntryFilter,
  order: RiskEntryOrder,
  key: unknown[],
): { sql: string; params: unknown[] } {
  const { where, params } = riskEntryFilterSql(principal, filter);
  return {
    sql: anyRowSql(`risk_entry r join unit u on u.id = r.publisher_unit_id where ${where} and ${keysetOf(order).atOrBefore}`),
    params: [...params, ...key],
  };
}

/** How many entries the filter selects for the caller (totalCount), on the request's connection. */
export async function countRiskEntries(em: EntityManager, principal: Principal, filter: RiskEntryFilter): Promise<number> {
  const { where, params } = riskEntryFilterSql(principal, filter);
  const sql = `select count(*) as n from risk_entry r join unit u on u.id = r.publisher_unit_id where ${where}`;
  const [counted] = await queryPrepared<{ n: string }>(em, sql, params);
  return Number(counted.n);
}

/**
 * The condition of a filter on `risk_entry r join unit u` (publisher), the caller's visibility included: the one
 * rule the list, its compiled read, the aggregates and the exports share.
 */
export function riskEntryFilterSql(principal: Principal, filter: RiskEntryFilter): { where: string; params: unknown[] } {
  const visible = visibleSql(principal, 'r', 'publisher_unit_id');
  const conditions = [visible.sql];
  const params = [...visible.params];
  const add = (condition: string, ...values: unknown[]) => {
    conditions.push(condition);
    params.push(...values);
  };
  const status = filter.status ?? EntryStatusFilter.ACTIVE;
  // Written into the statement, not bound: a prepared statement's generic plan can use the partial index of the
  // active entries (risk_entry_newest_active) only when it sees the status.
  if (status === EntryStatusFilter.ACTIVE) add(`r.status = 'ACTIVE'`);
  if (status === EntryStatusFilter.WITHDRAWN) add(`r.status = 'WITHDRAWN'`);
  if (filter.listTypes?.length) add('r.list_type = any(?::text[])', pgArray(filter.listTypes));
  if (filter.publishers?.length) add('u.code = any(?::text[])', pgArray(filter.publishers.map((code) => code.trim().toUpperCase())));
  if (filter.publisherKinds?.length) add('u.kind = any(?::text[])', pgArray(filter.publisherKinds));
  if (filter.minRiskLevel != null) add('r.risk_level <= ?', filter.minRiskLevel);
  if (filter.categories?.length) add('r.categories && ?::text[]', pgArray(filter.categories));
  if (filter.regionPrefix != null) add('r.region_code like ?', `${ruleValue(parseRegionPrefix(filter.regionPrefix), 'regionPrefix')}%`);
  if (filter.effectiveFrom != null) add('r.effective_date >= ?::date', ruleValue(parseLocalDate(filter.effectiveFrom), 'effectiveFrom'));
  if (filter.effectiveTo != null) add('r.effective_date <= ?::date', ruleValue(parseLocalDate(filter.effectiveTo), 'effectiveTo'));
  if (filter.publishedFrom != null) add('r.published_at >= ?', filter.publishedFrom);
  if (filter.publishedTo != null) add('r.published_at < ?', filter.publishedTo);
  if (filter.uscc != null) add('r.uscc = ?', ruleValue(parseUscc(filter.uscc), 'uscc'));
  const fragment = filter.enterpriseName?.trim();
  if (fragment) add('r.enterprise_name ilike ?', `%${fragment.replace(/[\\%_]/g, (char) => `\\${char}`)}%`);
  return { where: conditions.join(' and '), params };
}
