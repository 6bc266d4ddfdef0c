/**
 * Risk levels and categories (DOMAIN.md "Risk levels and categories"): the four-level scale of the Emergency
 * Response Law, stored as its number (1 = RED, most severe); "at least ORANGE" means ORANGE or RED.
 */
export enum RiskLevel {
  RED = 1, // 红色, 一级
  ORANGE = 2, // 橙色, 二级
  YELLOW = 3, // 黄色, 三级
  BLUE = 4, // 蓝色, 四级
}

export enum RiskCategory {
  MARKET = 'MARKET', // 市场风险
  MANAGEMENT = 'MANAGEMENT', // 经营管理风险
  LEGAL = 'LEGAL', // 法律风险
  FINANCIAL = 'FINANCIAL', // 金融风险: loans, guarantees
  SOCIAL_STABILITY = 'SOCIAL_STABILITY', // 社会稳定风险: wages, petitions, public opinion
}

/** The level's name for a stored number. */
export function riskLevelName(level: number): keyof typeof RiskLevel {
  return RiskLevel[level] as keyof typeof RiskLevel;
}
