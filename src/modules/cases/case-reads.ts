/**
 * Reading the case ledger (重大、敏感案件台账): a case, pages of cases, an enterprise's cases, stage histories, and
 * the filter condition the list, the aggregates and the exports share. Every read goes through the case's one
 * visibility rule (access/visibility.ts `visibleSql` on `bankruptcy_case c`, owner column `court_unit_id`): a case
 * the caller may not see does not exist for it. The writes (case.service.ts) build on these.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Classification } from '../../access/classification';
import { authorize } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { visibleSql } from '../../access/visibility';
import { isoTime, pgArray } from '../../db/sql';
import { anyRowSql, keysetConditions, toPage, type CursorPart, type CursorShape, type Page, type PageRequest } from '../../db/keyset';
import { countsIn, groupRows } from '../../graphql/list-size';
import { badInput, notFound } from '../../errors';
import { DEFAULT_TIME_ZONE } from '../../calendar-date';
import { parseRegionPrefix } from '../../region';
import { parseUscc } from '../enterprises/uscc';
import { isUuid, ruleValue } from '../../input';
import { cursorRefused, SortDirection } from '../../db/keyset';
import type { RiskLevel } from '../../risk-level';
import { UnitKind } from '../../access/unit-kind';
import { parseCaseNumber } from './case-number';
import { CaseProcedure, CaseStage } from './case-stage';
import { CASE_COLUMNS, caseRow, type CaseRow, type UnitRef } from './case.sql';

export interface CaseFilter {
  stages?: CaseStage[] | null;
  procedures?: CaseProcedure[] | null;
  /** Court unit codes. */
  courts?: string[] | null;
  regionPrefix?: string | null;
  major?: boolean | null;
  sensitive?: boolean | null;
  /** At least this severe: ORANGE means ORANGE or RED. */
  minRiskLevel?: RiskLevel | null;
  debtorUscc?: string | null;
  /** A fragment of the debtor's name. */
  debtorName?: string | null;
  /** Cases registered, moved or edited at or after this time. */
  updatedSince?: Date | null;
}

export enum CaseOrderField {
  UPDATED_AT = 'UPDATED_AT',
  REGISTERED_AT = 'REGISTERED_AT',
  /** DESC puts RED first; cases without a risk level last. */
  SEVERITY = 'SEVERITY',
  EMPLOYEES_AFFECTED = 'EMPLOYEES_AFFECTED',
}

export interface CaseOrder {
  field: CaseOrderField;
  direction: SortDirection;
}

export interface StageChangeRow {
  caseId: string;
  version: number;
  fromStage: string | null;
  toStage: string;
  fromProcedure: string | null;
  toProcedure: string;
  on: string;
  note: string | null;
  actorUnitId: string;
  occurredAt: Date;
}

/** Sort expression, the type its cursor value is cast back to, and the kind a cursor's value must be of. */
const ORDER: Record<CaseOrderField, { expression: string; cast: string; part: CursorPart }> = {
  UPDATED_AT: { expression: 'c.updated_at', cast: 'timestamptz', part: 'time' },
  REGISTERED_AT: { expression: 'c.created_at', cast: 'timestamptz', part: 'time' },
  SEVERITY: { expression: '(5 - coalesce(c.risk_level, 5))', cast: 'int', part: 'int' },
  EMPLOYEES_AFFECTED: { expression: 'coalesce(c.employees_affected, -1)', cast: 'int', part: 'int' },
};

/** The sort key of a page of cases in `order`: its sort value, then the case's id. */
export function caseCursorShape(order: CaseOrder): CursorShape {
  return [ORDER[order.field].part, 'uuid'];
}

export class CaseReads {
  constructor(
    protected readonly em: EntityManager,
    /** HUB_TIMEZONE: the day a date left out defaults to is today there. */
    protected readonly timeZone: string = DEFAULT_TIME_ZONE,
  ) {}

  /** One case by id or by any of its numbers; NOT_FOUND when there is none the caller may see. */
  async get(principal: Principal, by: { id?: string | null; caseNumber?: string | null }): Promise<CaseRow> {
    authorize(principal, 'readCases');
    if ((by.id == null) === (by.caseNumber == null)) {
      throw badInput('case takes exactly one of id and caseNumber', { field: by.id == null ? 'id' : 'caseNumber', rule: 'exactlyOne' });
    }
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    let found: Record<string, unknown> | undefined;
    if (by.id != null) {
      if (!isUuid(by.id)) throw notFound(`no case with id ${by.id}`);
      [found] = await this.em.execute(`select ${CASE_COLUMNS} from bankruptcy_case c where c.id = ? and ${visible.sql}`, [by.id, ...visible.params]);
    } else {
      const canonical = ruleValue(parseCaseNumber(by.caseNumber), 'caseNumber').canonical;
      [found] = await this.em.execute(
        `select ${CASE_COLUMNS} from bankruptcy_case c join case_number n on n.case_id = c.id where n.number = ? and ${visible.sql}`,
        [canonical, ...visible.params],
      );
    }
    if (!found) throw notFound(by.id != null ? `no case with id ${by.id}` : `no case with number ${by.caseNumber}`);
    return caseRow(found);
  }

  /** Cases the caller may see, filtered, ordered, one page. */
  async list(principal: Principal, filter: CaseFilter, order: CaseOrder, page: PageRequest): Promise<Page<CaseRow>> {
    authorize(principal, 'readCases');
    const { where, params } = await this.filterSql(principal, filter);
    const { expression, cast } = ORDER[order.field];
    const descending = order.direction === SortDirection.DESC;
    const keyset = keysetConditions(`${expression}, c.id`, `?::${cast}, ?::uuid`, descending);
    const after = page.after ? ` and ${keyset.after}` : '';
    const direction = descending ? 'desc' : 'asc';
    const raw = await this.em
      .execute<Record<string, unknown>[]>(
        `select ${CASE_COLUMNS}, (${expression})::text as "sortKey" from bankruptcy_case c
         where ${where}${after} order by ${expression} ${direction}, c.id ${direction} limit ?`,
        [...params, ...(page.after ?? []), page.first + 1],
      )
      .catch(cursorRefused(page));
    const rows = raw.map((r) => ({ ...caseRow(r), sortKey: r.sortKey as string }));
    return toPage(
      rows,
      page,
      (row) => [row.sortKey, row.id],
      async () => {
        const [count] = await this.em.execute<{ n: string }[]>(`select count(*) as n from bankruptcy_case c where ${where}`, params);
        return Number(count.n);
      },
      async (key) => {
        const from = `bankruptcy_case c where ${where} and ${keyset.atOrBefore}`;
        return (await this.em.execute<{ found: boolean }[]>(anyRowSql(from), [...params, ...key]))[0].found;
      },
    );
  }

  /** The cases the caller may see of each debtor, newest first, at most `first` each (for Enterprise.cases). */
  async byDebtor(principal: Principal, usccs: readonly string[], first: number): Promise<CaseRow[][]> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const rows = (
      await this.em.execute<Record<string, unknown>[]>(
        `select ${CASE_COLUMNS} from bankruptcy_case c join (
           select c.id, row_number() over (partition by c.debtor_uscc order by c.created_at desc, c.id desc) as recent
           from bankruptcy_case c where c.debtor_uscc = any(?::text[]) and ${visible.sql}
         ) ranked on ranked.id = c.id
         where ranked.recent <= ? order by c.created_at desc, c.id desc`,
        [pgArray(usccs), ...visible.params, first],
      )
    ).map(caseRow);
    return groupRows(usccs, rows, (row) => row.debtorUscc);
  }

  /** How many cases the caller may see each debtor has (Enterprise.caseCount, batched). */
  async countByDebtor(principal: Principal, usccs: readonly string[]): Promise<number[]> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const counts = await this.em.execute<{ uscc: string; n: number }[]>(
      `select c.debtor_uscc as uscc, count(*)::int as n from bankruptcy_case c where c.debtor_uscc = any(?::text[]) and ${visible.sql} group by c.debtor_uscc`,
      [pgArray(usccs), ...visible.params],
    );
    return countsIn(usccs, counts, (row) => row.uscc);
  }

  /** Cases by id that the caller may see (for progress entries' case). */
  async byIds(principal: Principal, ids: readonly string[]): Promise<CaseRow[]> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    return (
      await this.em.execute<Record<string, unknown>[]>(
        `select ${CASE_COLUMNS} from bankruptcy_case c where c.id = any(?::uuid[]) and ${visible.sql}`,
        [pgArray(ids), ...visible.params],
      )
    ).map(caseRow);
  }

  /**
   * The stage history of each case the caller may see now, registration first (for Case.stageHistory; a case from
   * the change feed may since have been restricted).
   */
  async stageHistoryOf(principal: Principal, caseIds: readonly string[]): Promise<StageChangeRow[][]> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const rows = await this.em.execute<(StageChangeRow & { occurredAt: string })[]>(
      `select s.case_id as "caseId", s.version, s.from_stage as "fromStage", s.to_stage as "toStage", s.from_procedure as "fromProcedure",
         s.to_procedure as "toProcedure", s."on"::text as "on", s.note, s.actor_unit_id as "actorUnitId",
         ${isoTime('s.occurred_at')} as "occurredAt"
       from case_stage_change s join bankruptcy_case c on c.id = s.case_id
       where s.case_id = any(?::uuid[]) and ${visible.sql} order by s.version`,
      [pgArray(caseIds), ...visible.params],
    );
    const changes = rows.map((row) => ({ ...row, occurredAt: new Date(row.occurredAt) }));
    return caseIds.map((id) => changes.filter((change) => change.caseId === id));
  }

  /**
   * The case, locked for this transaction, when the caller may change it: NOT_FOUND when it may not see it (as
   * if there were none), FORBIDDEN when it sees but does not own it, CONFLICT when `expectedVersion` is stale.
   */
  async lockVisible(em: EntityManager, principal: Principal, caseId: string): Promise<CaseRow> {
    if (!isUuid(caseId)) throw notFound(`no case with id ${caseId}`);
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const [raw] = await em.execute<Record<string, unknown>[]>(
      `select ${CASE_COLUMNS} from bankruptcy_case c where c.id = ? and ${visible.sql} for update of c`,
      [caseId, ...visible.params],
    );
    if (!raw) throw notFound(`no case with id ${caseId}`);
    return caseRow(raw);
  }

  /** The case as it is now, by id (inside a write, after the change). */
  async read(em: EntityManager, caseId: string): Promise<CaseRow> {
    const [raw] = await em.execute<Record<string, unknown>[]>(`select ${CASE_COLUMNS} from bankruptcy_case c where c.id = ?`, [caseId]);
    return caseRow(raw);
  }

  /** The court of a case as a change-log payload names it. */
  async unitRef(em: EntityManager, unitId: string): Promise<UnitRef> {
    const [unit] = await em.execute<UnitRef[]>('select id, code, name, kind from unit where id = ?', [unitId]);
    return unit;
  }

  /**
   * The condition of a filter on `bankruptcy_case c`, the caller's visibility included: the one rule the list and
   * the aggregates (analytics) share.
   */
  async filterSql(principal: Principal, filter: CaseFilter): Promise<{ where: string; params: unknown[] }> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const conditions = [visible.sql];
    const params: unknown[] = [...visible.params];
    const add = (sql: string, ...values: unknown[]) => {
      conditions.push(sql);
      params.push(...values);
    };
    if (filter.stages?.length) add('c.stage = any(?::text[])', pgArray(filter.stages));
    if (filter.procedures?.length) add('c.procedure = any(?::text[])', pgArray(filter.procedures));
    if (filter.courts?.length) {
      add('c.court_unit_id in (select id from unit where code = any(?::text[]))', pgArray(filter.courts.map((code) => code.trim().toUpperCase())));
    }
    if (filter.regionPrefix != null) add('c.region_code like ?', `${ruleValue(parseRegionPrefix(filter.regionPrefix), 'regionPrefix')}%`);
    if (filter.major != null) add('c.major = ?', filter.major);
    if (filter.sensitive != null) add('c.sensitive = ?', filter.sensitive);
    if (filter.minRiskLevel != null) add('c.risk_level <= ?', filter.minRiskLevel);
    if (filter.debtorUscc != null) add('c.debtor_uscc = ?', ruleValue(parseUscc(filter.debtorUscc), 'debtorUscc'));
    if (filter.debtorName?.trim()) add("c.debtor_name ilike ? escape '\\'", `%${filter.debtorName.trim().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
    if (filter.updatedSince != null) add('c.updated_at >= ?', filter.updatedSince);
    return { where: conditions.join(' and '), params };
  }
}

/** The classification columns of a case, as the visibility rule and the change log read them. */
export function caseSharing(row: CaseRow) {
  return {
    classification: row.classification as Classification,
    ownerUnitId: row.courtUnitId,
    sharedUnitCodes: row.sharedUnitCodes,
    sharedKinds: row.sharedKinds as UnitKind[],
  };
}
