/**
 * Aggregates for analysts (issue 6): counts and sums of list entries and of cases, grouped by the dimensions
 * asked for, computed in SQL over what the caller may see (the lists' and the ledger's own filter and visibility
 * rule), with months in the hub's time zone and the analyst's statement timeout.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { limitExceeded } from '../../errors';
import { asAnalyst } from './analyst-statements';
import type { CaseFilter } from '../cases/case-reads';
import { CaseService } from '../cases/case.service';
import { riskEntryFilterSql, type RiskEntryFilter } from '../risk-lists/risk-entry.queries';

/** What list entries can be grouped by. */
export enum RiskStatsDimension {
  LIST_TYPE = 'LIST_TYPE',
  RISK_LEVEL = 'RISK_LEVEL',
  /** An entry counts once in each of its categories. */
  CATEGORY = 'CATEGORY',
  PUBLISHER = 'PUBLISHER',
  PUBLISHER_KIND = 'PUBLISHER_KIND',
  /** 省: the first two digits of the region code. */
  PROVINCE = 'PROVINCE',
  /** 市: the first four. */
  PREFECTURE = 'PREFECTURE',
  /** 县: the whole code. */
  COUNTY = 'COUNTY',
  /** The month the entry's current version was published, in the hub's time zone. */
  MONTH = 'MONTH',
}

/** What cases can be grouped by. */
export enum CaseStatsDimension {
  STAGE = 'STAGE',
  PROCEDURE = 'PROCEDURE',
  COURT = 'COURT',
  PROVINCE = 'PROVINCE',
  PREFECTURE = 'PREFECTURE',
  COUNTY = 'COUNTY',
  /** The month the case was registered, in the hub's time zone. */
  MONTH = 'MONTH',
  RISK_LEVEL = 'RISK_LEVEL',
}

/** One group of list entries: the values of the dimensions asked for, and the measures. */
export interface RiskStatsRow {
  listType?: string;
  riskLevel?: number;
  category?: string;
  publisher?: string;
  publisherKind?: string;
  province?: string;
  prefecture?: string;
  county?: string;
  month?: string;
  entries: number;
  enterprises: number;
  /** Sum of the amounts, yuan. */
  amount: string;
}

/** One group of cases. */
export interface CaseStatsRow {
  stage?: string;
  procedure?: string;
  court?: string;
  province?: string;
  prefecture?: string;
  county?: string;
  month?: string;
  riskLevel?: number | null;
  cases: number;
  employeesAffected: number;
  wagesOwed: string;
  debts: string;
  assets: string;
}

/** What the aggregates need from the hub's settings. */
export interface AnalyticsSettings {
  /** HUB_TIMEZONE */
  timeZone: string;
  /** ANALYST_STATEMENT_TIMEOUT in ms; 0: none. */
  statementTimeoutMs: number;
  /** Most groups one aggregate answers (MAX_PAGE_SIZE). */
  maxGroups: number;
}

/** Each dimension: the output field and the SQL expression (`?` stands for the time zone). */
const RISK_DIMENSIONS: Record<RiskStatsDimension, [keyof RiskStatsRow, string]> = {
  LIST_TYPE: ['listType', 'r.list_type'],
  RISK_LEVEL: ['riskLevel', 'r.risk_level'],
  CATEGORY: ['category', 'category.value'],
  PUBLISHER: ['publisher', 'u.code'],
  PUBLISHER_KIND: ['publisherKind', 'u.kind'],
  PROVINCE: ['province', "substr(r.region_code, 1, 2) || '0000'"],
  PREFECTURE: ['prefecture', "substr(r.region_code, 1, 4) || '00'"],
  COUNTY: ['county', 'r.region_code'],
  MONTH: ['month', "to_char(r.published_at at time zone ?, 'YYYY-MM')"],
};

const CASE_DIMENSIONS: Record<CaseStatsDimension, [keyof CaseStatsRow, string]> = {
  STAGE: ['stage', 'c.stage'],
  PROCEDURE: ['procedure', 'c.procedure'],
  COURT: ['court', 'court.code'],
  PROVINCE: ['province', "substr(c.region_code, 1, 2) || '0000'"],
  PREFECTURE: ['prefecture', "substr(c.region_code, 1, 4) || '00'"],
  COUNTY: ['county', 'c.region_code'],
  MONTH: ['month', "to_char(c.created_at at time zone ?, 'YYYY-MM')"],
  RISK_LEVEL: ['riskLevel', 'c.risk_level'],
};

export class AnalyticsService {
  constructor(
    private readonly em: EntityManager,
    private readonly settings: AnalyticsSettings,
  ) {}

  /** Counts of entries and of distinct enterprises, and the sum of amounts, per group. */
  async riskStats(principal: Principal, filter: RiskEntryFilter, groupBy: readonly RiskStatsDimension[]): Promise<RiskStatsRow[]> {
    authorize(principal, 'analyze');
    const dimensions = [...new Set(groupBy)].map((dimension) => RISK_DIMENSIONS[dimension]);
    const { where, params } = riskEntryFilterSql(principal, filter);
    const categories = groupBy.includes(RiskStatsDimension.CATEGORY) ? ' cross join lateral unnest(r.categories) as category(value)' : '';
    const rows = await this.run<Record<string, unknown>>(
      `select ${this.select(dimensions)} count(*)::int as entries, count(distinct r.uscc)::int as enterprises,
         coalesce(sum(r.amount), 0.00)::text as amount
       from risk_entry r join unit u on u.id = r.publisher_unit_id${categories}
       where ${where} ${this.groupAndOrder(dimensions)}`,
      [...this.zoneParams(dimensions), ...params],
    );
    return rows as unknown as RiskStatsRow[];
  }

  /** Counts of cases and sums of employees affected, wages owed, debts and assets, per group. */
  async caseStats(principal: Principal, filter: CaseFilter, groupBy: readonly CaseStatsDimension[]): Promise<CaseStatsRow[]> {
    authorize(principal, 'analyze');
    const dimensions = [...new Set(groupBy)].map((dimension) => CASE_DIMENSIONS[dimension]);
    const { where, params } = await new CaseService(this.em).filterSql(principal, filter);
    const rows = await this.run<Record<string, unknown>>(
      `select ${this.select(dimensions)} count(*)::int as cases, coalesce(sum(c.employees_affected), 0)::int as "employeesAffected",
         coalesce(sum(c.wages_owed), 0.00)::text as "wagesOwed", coalesce(sum(c.debts), 0.00)::text as debts,
         coalesce(sum(c.assets), 0.00)::text as assets
       from bankruptcy_case c join unit court on court.id = c.court_unit_id
       where ${where} ${this.groupAndOrder(dimensions)}`,
      [...this.zoneParams(dimensions), ...params],
    );
    return rows as unknown as CaseStatsRow[];
  }

  private select(dimensions: [string, string][]): string {
    return dimensions.map(([field, expression]) => `${expression} as "${field}",`).join(' ');
  }

  private groupAndOrder(dimensions: [string, string][]): string {
    if (!dimensions.length) return '';
    const positions = dimensions.map((_, i) => i + 1).join(', ');
    return `group by ${positions} order by ${positions}`;
  }

  private zoneParams(dimensions: [string, string][]): string[] {
    return dimensions.filter(([, expression]) => expression.includes('?')).map(() => this.settings.timeZone);
  }

  /** Runs an analyst's statement under ANALYST_STATEMENT_TIMEOUT, its groups capped at `maxGroups`. */
  private async run<T>(sql: string, params: unknown[]): Promise<T[]> {
    const { maxGroups } = this.settings;
    const rows = await asAnalyst(this.em, this.settings.statementTimeoutMs, (em) => em.execute<T[]>(`${sql} limit ${maxGroups + 1}`, params));
    if (rows.length > maxGroups) {
      throw limitExceeded(
        `more than ${maxGroups} groups (MAX_PAGE_SIZE): group by fewer dimensions or narrow the filter`,
        'MAX_PAGE_SIZE',
        maxGroups,
      );
    }
    return rows;
  }
}
