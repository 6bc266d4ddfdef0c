/**
 * The demo locality (`npm run demo`), as a plan: the 22 member units of 运城's mechanism (source 000, section 四)
 * and two basic courts, about three thousand enterprises with valid USCCs in 运城's counties, lists of several
 * units that overlap, and thirty cases at various stages with their progress — so that a newcomer sees
 * real-looking data at once. The plan is a pure function of its size: the same data on every run, every write
 * named (unit codes, idempotency keys, the order of the cases), so that load.ts can tell what of it a hub already
 * has and finish a load that stopped midway.
 */
import { Classification } from '../access/classification';
import { AssetType, ClaimType, ProgressKind, type AddProgressInput } from '../modules/cases/case-progress.service';
import { CaseProcedure, CaseStage } from '../modules/cases/case-stage';
import type { RegisterCaseInput } from '../modules/cases/case-inputs';
import { usccCheckCharacter } from '../modules/enterprises/uscc';
import { RiskListType } from '../risk-list-type';
import { RiskCategory, RiskLevel } from '../risk-level';
import { InvalidRowPolicy, PublishMode, type PublishInput } from '../modules/risk-lists/risk-publication.inputs';
import { UnitKind } from '../access/unit-kind';
import { seededRandom } from './random';

/**
 * The member units of source 000 (运城市人民政府办公室, 2023), section 四, and two basic courts; the courts with
 * their court codes (法院代字, DOMAIN.md "Case numbers": 运城中院 晋08, a basic court by its division code).
 */
const UNITS: DemoUnit[] = [
  { code: 'YC-ZY', name: '运城市中级人民法院', kind: UnitKind.COURT, regionCode: '140800', courtCode: '晋08' },
  { code: 'YC-JCY', name: '运城市人民检察院', kind: UnitKind.PROCURATORATE, regionCode: '140800' },
  { code: 'YC-FGW', name: '运城市发展和改革委员会', kind: UnitKind.INDUSTRY, regionCode: '140800' },
  { code: 'YC-GXJ', name: '运城市工业和信息化局（市国资委）', kind: UnitKind.INDUSTRY, regionCode: '140800' },
  { code: 'YC-GAJ', name: '运城市公安局', kind: UnitKind.PUBLIC_SECURITY, regionCode: '140800' },
  { code: 'YC-SFJ', name: '运城市司法局', kind: UnitKind.JUSTICE, regionCode: '140800' },
  { code: 'YC-CZJ', name: '运城市财政局', kind: UnitKind.OTHER, regionCode: '140800' },
  { code: 'YC-RSJ', name: '运城市人力资源和社会保障局', kind: UnitKind.HUMAN_RESOURCES, regionCode: '140800' },
  { code: 'YC-ZRZY', name: '运城市规划和自然资源局', kind: UnitKind.NATURAL_RESOURCES, regionCode: '140800' },
  { code: 'YC-SHJ', name: '运城市生态环境局', kind: UnitKind.OTHER, regionCode: '140800' },
  { code: 'YC-ZJJ', name: '运城市住房和城乡建设局', kind: UnitKind.HOUSING, regionCode: '140800' },
  { code: 'YC-ZSZX', name: '运城市招商投资促进中心', kind: UnitKind.COMMERCE, regionCode: '140800' },
  { code: 'YC-YJJ', name: '运城市应急管理局', kind: UnitKind.EMERGENCY, regionCode: '140800' },
  { code: 'YC-SCJG', name: '运城市市场监督管理局', kind: UnitKind.MARKET_REGULATION, regionCode: '140800' },
  { code: 'YC-SPJ', name: '运城市审批服务管理局', kind: UnitKind.MARKET_REGULATION, regionCode: '140800' },
  { code: 'YC-XFJ', name: '运城市信访局', kind: UnitKind.PETITION, regionCode: '140800' },
  { code: 'YC-MZJ', name: '运城市民政局', kind: UnitKind.CIVIL_AFFAIRS, regionCode: '140800' },
  { code: 'YC-JRB', name: '运城市地方金融工作办公室', kind: UnitKind.FINANCIAL_REGULATOR, regionCode: '140800' },
  { code: 'YC-GSL', name: '运城市工商业联合会', kind: UnitKind.OTHER, regionCode: '140800' },
  { code: 'YC-RH', name: '中国人民银行运城市分行', kind: UnitKind.PBOC, regionCode: '140800' },
  { code: 'YC-SWJ', name: '国家税务总局运城市税务局', kind: UnitKind.TAX, regionCode: '140800' },
  { code: 'YC-JGFJ', name: '国家金融监督管理总局运城监管分局', kind: UnitKind.FINANCIAL_REGULATOR, regionCode: '140800' },
  { code: 'YC-YHFY', name: '运城市盐湖区人民法院', kind: UnitKind.COURT, regionCode: '140802', courtCode: '晋0802' },
  { code: 'YC-LYFY', name: '临猗县人民法院', kind: UnitKind.COURT, regionCode: '140821', courtCode: '晋0821' },
];

/** 运城's counties (GB/T 2260) and their names. */
const COUNTIES: [string, string][] = [
  ['140802', '盐湖区'],
  ['140821', '临猗县'],
  ['140822', '万荣县'],
  ['140823', '闻喜县'],
  ['140824', '稷山县'],
  ['140825', '新绛县'],
  ['140826', '绛县'],
  ['140827', '垣曲县'],
  ['140828', '夏县'],
  ['140829', '平陆县'],
  ['140830', '芮城县'],
  ['140881', '永济市'],
  ['140882', '河津市'],
];
const BRANDS = ['恒泰', '晋源', '河东', '盐湖', '关圣', '鑫达', '华晋', '永盛', '中条', '黄河', '舜都', '嘉禾', '宏远', '瑞丰', '德润', '金凤'];
const TRADES = ['机械制造', '铝业', '焦化', '农产品加工', '建材', '纺织', '商贸', '物流', '化工', '果业', '食品', '房地产开发', '煤业', '电子科技'];
const LENDERS = ['运城农商银行', '中国银行运城分行', '工商银行运城分行', '晋商银行运城分行', '邮储银行运城分行'];

/** The size the list sizes below are made for. */
const REFERENCE_ENTERPRISES = 3_000;

export interface DemoUnit {
  code: string;
  name: string;
  kind: UnitKind;
  regionCode: string;
  /** A court's court code (法院代字). */
  courtCode?: string;
}

export interface DemoEnterprise {
  uscc: string;
  name: string;
  industry: string | null;
}

/** One list a unit publishes (its idempotency key makes a second publication of it a replay). */
export interface DemoList {
  unit: string;
  input: PublishInput;
}

/** One case: registered by its court, led along its path, then followed by the units. */
export interface DemoCase {
  court: string;
  register: RegisterCaseInput;
  stages: { toStage: CaseStage; on: string; caseNumber: string | null; note: string | null }[];
  /** Progress entries, each with its unit and an idempotency key of its own. */
  progress: { unit: string; input: Omit<AddProgressInput, 'caseId'> & { idempotencyKey: string } }[];
}

export interface DemoPlan {
  units: DemoUnit[];
  enterprises: DemoEnterprise[];
  lists: DemoList[];
  cases: DemoCase[];
}

const DAY_MS = 86_400_000;

/** The demo locality of `size` enterprises. */
export function demoPlan(size: number): DemoPlan {
  const next = seededRandom(20261129);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];

  const enterprises: DemoEnterprise[] = Array.from({ length: size }, (_, i) => {
    const [county, countyName] = pick(COUNTIES);
    const first17 = `91${county}MA0D${String(i + 1).padStart(5, '0')}`;
    const name = `${countyName}${pick(BRANDS)}${pick(TRADES)}有限公司${i % 7 === 0 ? '（分公司）' : ''}`;
    return { uscc: first17 + usccCheckCharacter(first17), name, industry: name.includes('铝') ? '有色金属' : null };
  });
  // Troubled enterprises appear on several lists: most list rows are drawn from the first third.
  const troubledPool = Math.ceil(size / 3);
  const troubled = () => (next() < 0.7 ? enterprises[Math.floor(next() * troubledPool)] : pick(enterprises));
  // List sizes are those of a 3,000-enterprise locality, scaled to this one.
  const scaled = (count: number) => Math.max(1, Math.round((count * size) / REFERENCE_ENTERPRISES));
  const level = () => pick([RiskLevel.RED, RiskLevel.ORANGE, RiskLevel.ORANGE, RiskLevel.YELLOW, RiskLevel.YELLOW, RiskLevel.BLUE]);
  const date = (month: number) => `2026-${String(month).padStart(2, '0')}-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`;
  const money = (max: number) => `${Math.floor(next() * max) + 1000}.${String(Math.floor(next() * 100)).padStart(2, '0')}`;

  const listSpecs: { unit: string; listType: RiskListType; count: number; row: () => Record<string, unknown> }[] = [
    {
      unit: 'YC-SWJ',
      listType: RiskListType.TAX_ARREARS,
      count: 800,
      row: () => ({
        categories: [RiskCategory.FINANCIAL],
        amount: money(3_000_000),
        details: { taxTypes: [pick(['增值税', '企业所得税', '城镇土地使用税', '房产税'])] },
      }),
    },
    {
      unit: 'YC-SCJG',
      listType: RiskListType.LICENSE_REVOKED,
      count: 300,
      row: () => ({
        categories: [RiskCategory.LEGAL],
        details: { revokedOn: date(1 + Math.floor(next() * 10)), decisionNumber: `运市监吊字〔2026〕${1 + Math.floor(next() * 900)}号` },
      }),
    },
    {
      unit: 'YC-SCJG',
      listType: RiskListType.ABNORMAL_OPERATION,
      count: 500,
      row: () => ({
        categories: [RiskCategory.MANAGEMENT],
        details: { reason: pick(['NO_ANNUAL_REPORT', 'NO_DISCLOSURE', 'UNREACHABLE']), listedOn: date(1 + Math.floor(next() * 10)) },
      }),
    },
    {
      unit: 'YC-GXJ',
      listType: RiskListType.PRODUCTION_HALTED,
      count: 250,
      row: () => ({
        categories: [RiskCategory.MARKET],
        details: { haltedSince: date(1 + Math.floor(next() * 9)), idleLandM2: Math.floor(next() * 50_000) },
      }),
    },
    {
      unit: 'YC-GXJ',
      listType: RiskListType.ZOMBIE,
      count: 120,
      row: () => ({
        categories: [RiskCategory.MARKET, RiskCategory.FINANCIAL],
        details: { basis: pick(['连续三年亏损', '停产一年以上', '资不抵债']) },
      }),
    },
    {
      unit: 'YC-GXJ',
      listType: RiskListType.CAPACITY_ELIMINATION,
      count: 80,
      row: () => ({ categories: [RiskCategory.MARKET], details: { industry: pick(['焦化', '钢铁', '电解铝', '水泥']) } }),
    },
    {
      unit: 'YC-JGFJ',
      listType: RiskListType.MUTUAL_GUARANTEE_RISK,
      count: 90,
      row: () => ({
        categories: [RiskCategory.FINANCIAL],
        amount: money(20_000_000),
        details: {
          chainMembers: [troubled().uscc, troubled().uscc].filter((u, i, all) => all.indexOf(u) === i),
          disposalWillingness: pick(['WILLING', 'UNDECIDED', 'UNWILLING']),
        },
      }),
    },
    {
      unit: 'YC-RH',
      listType: RiskListType.LOAN_OVERDUE,
      count: 300,
      row: () => ({
        categories: [RiskCategory.FINANCIAL],
        amount: money(10_000_000),
        details: { lenders: [pick(LENDERS)], daysOverdue: 30 + Math.floor(next() * 400) },
      }),
    },
    {
      unit: 'YC-RSJ',
      listType: RiskListType.WAGE_ARREARS,
      count: 150,
      row: () => ({
        categories: [RiskCategory.SOCIAL_STABILITY],
        amount: money(2_000_000),
        details: { employeesAffected: 5 + Math.floor(next() * 400), monthsOwed: 1 + Math.floor(next() * 10) },
      }),
    },
    {
      unit: 'YC-ZY',
      listType: RiskListType.DISHONEST_JUDGMENT_DEBTOR,
      count: 250,
      row: () => ({
        categories: [RiskCategory.LEGAL],
        amount: money(5_000_000),
        details: {
          enforcementCaseNumber: `（2025）晋08执${100 + Math.floor(next() * 9000)}号`,
          obligation: '偿还借款本息',
          performance: pick(['NONE', 'PARTIAL']),
        },
      }),
    },
  ];
  const lists: DemoList[] = listSpecs.map((list) => {
    const chosen = new Map<string, DemoEnterprise>();
    while (chosen.size < Math.min(scaled(list.count), size)) {
      const enterprise = troubled();
      chosen.set(enterprise.uscc, enterprise);
    }
    const rows = [...chosen.values()].map((enterprise) => ({
      uscc: enterprise.uscc,
      enterpriseName: enterprise.name,
      riskLevel: level(),
      ...list.row(),
    }));
    const restricted = list.listType === RiskListType.MUTUAL_GUARANTEE_RISK;
    return {
      unit: list.unit,
      input: {
        listType: list.listType,
        mode: PublishMode.SNAPSHOT,
        idempotencyKey: `demo-${list.listType}`,
        period: '2026-Q3',
        entries: rows as never,
        classification: restricted ? Classification.RESTRICTED : Classification.SHARED,
        sharedWithKinds: restricted ? [UnitKind.PBOC, UnitKind.COURT, UnitKind.FINANCIAL_REGULATOR] : null,
        onInvalidRow: InvalidRowPolicy.SKIP,
      },
    };
  });

  // Thirty cases, each led along its procedure's path as far as its own step.
  const paths: Record<string, { procedure: CaseProcedure; stages: CaseStage[] }> = {
    liquidation: {
      procedure: CaseProcedure.LIQUIDATION,
      stages: [
        CaseStage.ACCEPTED,
        CaseStage.CLAIMS_FILING,
        CaseStage.CREDITORS_MEETING,
        CaseStage.DECLARED_BANKRUPT,
        CaseStage.REALIZATION,
        CaseStage.DISTRIBUTION,
        CaseStage.CLOSED,
      ],
    },
    reorganization: {
      procedure: CaseProcedure.REORGANIZATION,
      stages: [
        CaseStage.ACCEPTED,
        CaseStage.CLAIMS_FILING,
        CaseStage.CREDITORS_MEETING,
        CaseStage.PLAN,
        CaseStage.PLAN_EXECUTION,
        CaseStage.TERMINATED,
      ],
    },
    dismissed: { procedure: CaseProcedure.LIQUIDATION, stages: [CaseStage.DISMISSED] },
    preReorganization: { procedure: CaseProcedure.PRE_REORGANIZATION, stages: [CaseStage.PLAN, CaseStage.ACCEPTED] },
  };
  // Each court numbers its cases with its own court code.
  const courts = UNITS.filter((unit) => unit.courtCode).map((unit) => ({ code: unit.code, prefix: unit.courtCode! }));
  const cases: DemoCase[] = [];
  for (let n = 1; n <= 30; n++) {
    const path = n <= 14 ? paths.liquidation : n <= 24 ? paths.reorganization : n <= 27 ? paths.dismissed : paths.preReorganization;
    const court = courts[n % courts.length];
    const debtor = enterprises[(n * 31) % size];
    const pre = path.procedure === CaseProcedure.PRE_REORGANIZATION;
    const appliedOn = `2026-0${1 + (n % 6)}-0${1 + (n % 9)}`;
    const register: RegisterCaseInput = {
      caseNumber: pre ? null : `（2026）${court.prefix}破申${n}号`,
      debtorUscc: debtor.uscc,
      debtorName: debtor.name,
      procedure: path.procedure,
      appliedOn,
      major: n % 3 === 0,
      sensitive: n % 7 === 0,
      // A sensitive case is RESTRICTED: the units that work on it are named.
      sharedWithKinds: n % 7 === 0 ? [UnitKind.TAX, UnitKind.PBOC, UnitKind.NATURAL_RESOURCES, UnitKind.PETITION, UnitKind.HUMAN_RESOURCES] : null,
      administrator: n % 2 ? '山西河东律师事务所' : '运城正信会计师事务所',
      employeesAffected: 20 + Math.floor(next() * 800),
      wagesOwed: money(5_000_000),
      debts: money(300_000_000),
      assets: money(120_000_000),
      creditors: 10 + Math.floor(next() * 300),
      petitionRisk: next() < 0.2 ? null : level(),
      publicOpinionRisk: level(),
      socialStabilityRisk: level(),
      handlingPlan: n % 3 === 0 ? '成立工作专班；职工安置和欠薪垫付预案；舆情应对预案' : null,
    };
    // Each stage begins some weeks after the one before (a registered case's stage begins on its application).
    const steps = 1 + ((n * 5) % path.stages.length);
    let stageOn = appliedOn;
    let day = 1;
    const stages = path.stages.slice(0, steps).map((stage) => {
      day += 7 + Math.floor(next() * 30);
      const on = new Date(Date.parse(stageOn) + day * DAY_MS).toISOString().slice(0, 10);
      stageOn = on < stageOn ? stageOn : on;
      const accepting = stage === CaseStage.ACCEPTED;
      return {
        toStage: stage,
        on: stageOn,
        caseNumber: accepting ? `（2026）${court.prefix}破${n}号` : null,
        note: accepting ? '裁定受理，指定管理人' : null,
      };
    });
    const progress: DemoCase['progress'] = [];
    const add = (unit: string, input: Omit<AddProgressInput, 'caseId' | 'occurredOn' | 'idempotencyKey'>) =>
      progress.push({ unit, input: { ...input, occurredOn: stageOn, idempotencyKey: `demo-case-${n}-${progress.length + 1}` } });
    const last = stages.at(-1)?.toStage;
    if (last !== undefined && last !== CaseStage.DISMISSED) {
      add('YC-SWJ', { kind: ProgressKind.CLAIM_FILED, claimType: ClaimType.TAX, amount: money(2_000_000), summary: '申报税收债权（含滞纳金）' });
      add('YC-RH', { kind: ProgressKind.CLAIM_FILED, claimType: ClaimType.BANK, amount: money(50_000_000), summary: '协调辖内银行申报金融债权' });
      add('YC-ZRZY', {
        kind: ProgressKind.ASSET_FOUND,
        assetType: AssetType.LAND,
        amount: money(30_000_000),
        summary: '查询到国有建设用地使用权一宗',
      });
    }
    if (n % 2 === 0) add('YC-XFJ', { kind: ProgressKind.RISK_ASSESSMENT, riskLevel: level(), summary: '职工信访风险评估' });
    if (n % 4 === 0) add('YC-RSJ', { kind: ProgressKind.NOTE, summary: '欠薪情况核查，拟启动欠薪保障金' });
    cases.push({ court: court.code, register, stages, progress });
  }
  return { units: UNITS, enterprises, lists, cases };
}
