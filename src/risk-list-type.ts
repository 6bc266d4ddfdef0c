/**
 * The kind of list a risk-list entry belongs to (风险企业名单, DOMAIN.md "Risky-enterprise lists"): vocabulary of the
 * ground floor, since the change feed's filter names list types as well as the risk-lists module; each type's
 * payload contract (amount, details) is the module's (modules/risk-lists/list-types.ts).
 */
export enum RiskListType {
  LICENSE_REVOKED = 'LICENSE_REVOKED', // 吊销企业名单
  ABNORMAL_OPERATION = 'ABNORMAL_OPERATION', // 经营异常名录
  SERIOUS_VIOLATION = 'SERIOUS_VIOLATION', // 严重违法失信名单
  TAX_ARREARS = 'TAX_ARREARS', // 欠税企业名单
  MAJOR_TAX_VIOLATION = 'MAJOR_TAX_VIOLATION', // 重大税收违法失信主体
  CAPACITY_ELIMINATION = 'CAPACITY_ELIMINATION', // 产能淘汰企业名单
  PRODUCTION_HALTED = 'PRODUCTION_HALTED', // 停产企业名单及闲置要素资源
  DISTRESSED = 'DISTRESSED', // 困境企业名单及运营价值
  MUTUAL_GUARANTEE_RISK = 'MUTUAL_GUARANTEE_RISK', // 互联互保风险企业名单及处置意愿
  ZOMBIE = 'ZOMBIE', // 僵尸企业
  DISHONEST_JUDGMENT_DEBTOR = 'DISHONEST_JUDGMENT_DEBTOR', // 失信被执行人
  WAGE_ARREARS = 'WAGE_ARREARS', // 欠薪 / 社保欠费
  LOAN_OVERDUE = 'LOAN_OVERDUE', // 贷款逾期
}
