/** The periodic bulletin as Markdown, for printing and sending (GET /bulletins). */
import { riskLevelName } from '../../risk-level';
import { LIST_TYPES } from '../risk-lists/list-types';
import type { RiskListType } from '../../risk-list-type';
import type { Bulletin } from './bulletin.service';

const STAGE_NAMES: Record<string, string> = {
  APPLIED: '申请审查',
  ACCEPTED: '受理',
  CLAIMS_FILING: '债权申报',
  CREDITORS_MEETING: '债权人会议',
  PLAN: '计划/方案',
  PLAN_EXECUTION: '计划执行',
  DECLARED_BANKRUPT: '宣告破产',
  REALIZATION: '财产变价',
  DISTRIBUTION: '财产分配',
  CLOSED: '终结',
  TERMINATED: '终止',
  DISMISSED: '驳回/撤回',
};
const KIND_NAMES: Record<string, string> = {
  CLAIM_FILED: '债权申报',
  ASSET_FOUND: '财产线索',
  COORDINATION_REQUEST: '协调请求',
  COORDINATION_REPLY: '协调答复',
  MEETING: '会议',
  RISK_ASSESSMENT: '风险评估',
  NOTE: '其他',
};
const LEVEL_NAMES: Record<string, string> = { RED: '红', ORANGE: '橙', YELLOW: '黄', BLUE: '蓝' };

/** Escapes the characters Markdown tables and emphasis would read. */
const cell = (value: unknown) =>
  String(value ?? '')
    .replace(/[|\\*_`]/g, (ch) => `\\${ch}`)
    .replace(/\n/g, ' ');

function table(header: string[], rows: unknown[][]): string {
  if (!rows.length) return '无。\n';
  return (
    [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n') +
    '\n'
  );
}

/** The bulletin as a Markdown document with Chinese headings; times in the bulletin's time zone. */
export function bulletinMarkdown(b: Bulletin): string {
  const local = new Intl.DateTimeFormat('sv-SE', {
    timeZone: b.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const listName = (type: string) => `${LIST_TYPES[type as RiskListType]?.chinese ?? type} (${type})`;
  const level = (value: number) => `${LEVEL_NAMES[riskLevelName(value)] ?? ''} ${riskLevelName(value)}`;
  const total = (rows: { count: number }[]) => rows.reduce((sum, row) => sum + row.count, 0);
  return [
    `# 府院联动信息共享定期通报`,
    '',
    `期间：${b.from} 至 ${b.to}（${b.timeZone}）${b.regionPrefix ? `；区域：${b.regionPrefix}` : ''}`,
    '',
    `## 一、案件情况`,
    '',
    `新登记案件 ${b.casesRegistered.length} 件，阶段变动 ${total(b.stageMoves)} 次，结案（终结、终止、驳回/撤回）${total(b.casesEnded)} 件。`,
    '',
    `### 新登记案件`,
    '',
    table(
      ['案号', '债务人', '法院', '程序', '阶段', '登记时间'],
      b.casesRegistered.map((c) => [
        c.caseNumber ?? '（尚无案号）',
        c.debtorName,
        c.court,
        c.procedure,
        STAGE_NAMES[c.stage] ?? c.stage,
        local.format(c.registeredAt),
      ]),
    ),
    `### 阶段变动`,
    '',
    table(
      ['阶段', '次数'],
      b.stageMoves.map((m) => [`${STAGE_NAMES[m.stage] ?? m.stage} (${m.stage})`, m.count]),
    ),
    `### 案件进展`,
    '',
    table(
      ['类型', '条数'],
      b.progress.map((p) => [`${KIND_NAMES[p.kind] ?? p.kind} (${p.kind})`, p.count]),
    ),
    `## 二、风险企业名单`,
    '',
    `新增 ${total(b.entriesAdded)} 条，撤回 ${total(b.entriesWithdrawn)} 条。`,
    '',
    `### 新增`,
    '',
    table(
      ['名单', '等级', '条数'],
      b.entriesAdded.map((e) => [listName(e.listType), level(e.riskLevel), e.count]),
    ),
    `### 撤回`,
    '',
    table(
      ['名单', '等级', '条数'],
      b.entriesWithdrawn.map((e) => [listName(e.listType), level(e.riskLevel), e.count]),
    ),
    `## 三、新列入两个以上单位名单的企业`,
    '',
    table(
      ['统一社会信用代码', '企业名称', '单位'],
      b.enterprisesOnSeveralLists.map((e) => [e.uscc, e.name, e.units.join('、')]),
    ),
  ].join('\n');
}
