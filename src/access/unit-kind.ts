import { fail, pass, type RuleResult } from '../rule';

/** What kind of body a member unit (成员单位) is; DOMAIN.md "Who takes part". */
export enum UnitKind {
  COURT = 'COURT', // 法院
  PROCURATORATE = 'PROCURATORATE', // 检察院
  TAX = 'TAX', // 税务局
  MARKET_REGULATION = 'MARKET_REGULATION', // 市场监管局, 审批服务管理局
  PBOC = 'PBOC', // 人民银行分支机构
  FINANCIAL_REGULATOR = 'FINANCIAL_REGULATOR', // 金融监管分局, 金融办
  INDUSTRY = 'INDUSTRY', // 工信局, 发展改革委
  HUMAN_RESOURCES = 'HUMAN_RESOURCES', // 人社局, 医保局
  NATURAL_RESOURCES = 'NATURAL_RESOURCES', // 自然资源局
  HOUSING = 'HOUSING', // 住建局
  PUBLIC_SECURITY = 'PUBLIC_SECURITY', // 公安局
  JUSTICE = 'JUSTICE', // 司法局
  CIVIL_AFFAIRS = 'CIVIL_AFFAIRS', // 民政局
  PETITION = 'PETITION', // 信访局
  EMERGENCY = 'EMERGENCY', // 应急管理局
  COMMERCE = 'COMMERCE', // 商务局
  OTHER = 'OTHER',
}

/** Parses a unit kind name (case-insensitive), e.g. from the command line or a setting. */
export function parseUnitKind(input: string): RuleResult<UnitKind> {
  const name = input.trim().toUpperCase();
  if (!(name in UnitKind)) return fail('enum', `a unit kind is one of ${Object.keys(UnitKind).join(', ')}, got "${input}"`);
  return pass(name as UnitKind);
}
