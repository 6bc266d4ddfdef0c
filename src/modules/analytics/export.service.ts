/**
 * CSV exports of list entries and cases (issue 6): the same filters and the same visibility rule as `riskEntries`
 * and `cases`, read in batches by id (a million rows never sit in memory), as rows of text cells for a CSV writer.
 * Needs ANALYZE. Every export writes one audit record when it ends (who, which filter, how many rows, whether it
 * ran to its end), in a short transaction of its own: exports are used under accountability (source 003 item 26).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { appendReadAudit } from '../../audit/audit.service';
import type { CaseFilter } from '../cases/case-reads';
import { CaseService } from '../cases/case.service';
import { CASE_COLUMNS, caseRow } from '../cases/case.sql';
import { riskEntryFilterSql, type RiskEntryFilter } from '../risk-lists/risk-entry.queries';
import { RISK_ENTRY_COLUMNS, riskEntryRow } from '../risk-lists/risk-entry.sql';
import { riskLevelName } from '../../risk-level';
import { asAnalyst } from './analyst-statements';

/** Rows read per statement. */
const BATCH = 1_000;
/** Below every id: the first batch starts after it. */
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/** The header of the list-entry export: English name and the Chinese term, for the offices that open it in Excel. */
export const RISK_ENTRY_HEADER = [
  'publisher 发布单位',
  'listType 名单类型',
  'uscc 统一社会信用代码',
  'enterpriseName 企业名称',
  'regionCode 行政区划',
  'riskLevel 风险等级',
  'categories 风险类别',
  'amount 金额(元)',
  'effectiveDate 生效日期',
  'remarks 备注',
  'details 明细',
  'classification 密级',
  'status 状态',
  'version 版本',
  'period 期间',
  'firstPublishedAt 首次发布',
  'publishedAt 发布时间',
  'withdrawnAt 撤回时间',
  'withdrawalReason 撤回原因',
];

/** The header of the case export. */
export const CASE_HEADER = [
  'caseNumbers 案号',
  'court 法院',
  'debtorUscc 债务人统一社会信用代码',
  'debtorName 债务人',
  'regionCode 行政区划',
  'procedure 程序',
  'stage 阶段',
  'stageOn 阶段日期',
  'appliedOn 申请日期',
  'acceptedOn 受理日期',
  'administrator 管理人',
  'major 重大',
  'sensitive 敏感',
  'employeesAffected 涉及职工',
  'wagesOwed 拖欠工资(元)',
  'debts 负债(元)',
  'assets 资产(元)',
  'creditors 债权人',
  'petitionRisk 信访风险',
  'publicOpinionRisk 舆情风险',
  'socialStabilityRisk 社会稳定风险',
  'riskLevel 风险等级',
  'classification 密级',
  'version 版本',
  'registeredAt 登记时间',
  'updatedAt 更新时间',
];

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
const level = (value: number | null): string => (value == null ? '' : riskLevelName(value));
const time = (value: Date | null): string => (value ? value.toISOString() : '');

/** CSV rows of list entries and cases for analysts. */
export class ExportService {
  constructor(
    private readonly em: EntityManager,
    /** ANALYST_STATEMENT_TIMEOUT, for each batch's statement. */
    private readonly timeoutMs = 0,
  ) {}

  /** The visible list entries that pass `filter`, in batches of cells (one array per row), ordered by id. */
  async *riskEntries(principal: Principal, filter: RiskEntryFilter): AsyncGenerator<string[][]> {
    authorize(principal, 'analyze');
    const { where, params } = riskEntryFilterSql(principal, filter);
    const batches = this.byId(
      `select ${RISK_ENTRY_COLUMNS}, u.code as "publisherCode" from risk_entry r join unit u on u.id = r.publisher_unit_id where ${where}`,
      'r.id',
      params,
      (row) => {
        const entry = riskEntryRow(row);
        return [
          text(row.publisherCode),
          entry.listType,
          entry.uscc,
          entry.enterpriseName,
          entry.regionCode,
          level(entry.riskLevel),
          entry.categories.join(';'),
          text(entry.amount),
          text(entry.effectiveDate),
          text(entry.remarks),
          JSON.stringify(entry.details),
          entry.classification,
          entry.status,
          text(entry.version),
          text(entry.period),
          time(entry.firstPublishedAt),
          time(entry.publishedAt),
          time(entry.withdrawnAt),
          text(entry.withdrawalReason),
        ];
      },
    );
    yield* this.audited(principal, 'riskEntry.export', 'RiskEntry', filter, batches);
  }

  /** The visible cases that pass `filter`, in batches of cells, ordered by id. */
  async *cases(principal: Principal, filter: CaseFilter): AsyncGenerator<string[][]> {
    authorize(principal, 'analyze');
    const { where, params } = await new CaseService(this.em).filterSql(principal, filter);
    const batches = this.byId(
      `select ${CASE_COLUMNS}, court.code as "courtCode" from bankruptcy_case c join unit court on court.id = c.court_unit_id where ${where}`,
      'c.id',
      params,
      (row) => {
        const c = caseRow(row);
        return [
          c.caseNumbers.join(';'),
          text(row.courtCode),
          c.debtorUscc,
          c.debtorName,
          c.regionCode,
          c.procedure,
          c.stage,
          c.stageOn,
          text(c.appliedOn),
          text(c.acceptedOn),
          text(c.administrator),
          c.major ? 'yes' : 'no',
          c.sensitive ? 'yes' : 'no',
          text(c.employeesAffected),
          text(c.wagesOwed),
          text(c.debts),
          text(c.assets),
          text(c.creditors),
          level(c.petitionRisk),
          level(c.publicOpinionRisk),
          level(c.socialStabilityRisk),
          level(c.riskLevel),
          c.classification,
          text(c.version),
          time(c.registeredAt),
          time(c.updatedAt),
        ];
      },
    );
    yield* this.audited(principal, 'case.export', 'Case', filter, batches);
  }

  /** Hands on `batches`, counting their rows, and writes the export's audit record when it ends, however it ends. */
  private async *audited(
    principal: Principal,
    action: string,
    entityType: string,
    filter: object,
    batches: AsyncGenerator<string[][]>,
  ): AsyncGenerator<string[][]> {
    let rows = 0;
    let complete = false;
    try {
      for await (const batch of batches) {
        rows += batch.length;
        yield batch;
      }
      complete = true;
    } finally {
      await appendReadAudit(this.em, principal, { action, entityType, entityId: '*', detail: { filter: filterDetail(filter), rows, complete } });
    }
  }

  /** Runs `select` (whose rows have an `id`, the column `idColumn`) batch after batch in id order, mapping each row. */
  private async *byId(
    select: string,
    idColumn: string,
    params: unknown[],
    cells: (row: Record<string, unknown>) => string[],
  ): AsyncGenerator<string[][]> {
    for (let after = FIRST_ID; ;) {
      const raw = await asAnalyst(this.em, this.timeoutMs, (em) =>
        em.execute<Record<string, unknown>[]>(`${select} and ${idColumn} > ?::uuid order by ${idColumn} limit ?`, [...params, after, BATCH]),
      );
      if (!raw.length) return;
      yield raw.map(cells);
      if (raw.length < BATCH) return;
      after = String(raw[raw.length - 1].id);
    }
  }
}

/** The filter as asked, for the audit record: its given criteria only, a risk level by name. */
function filterDetail(filter: object): Record<string, unknown> {
  const given = Object.entries(filter).filter(([, value]) => value !== null && value !== undefined);
  return Object.fromEntries(given.map(([name, value]) => [name, name === 'minRiskLevel' ? riskLevelName(value as number) : value]));
}
