/**
 * Procedures and stages of a bankruptcy case, and the one table of the stage moves each procedure allows
 * (DOMAIN.md "The bankruptcy case ledger"; articles of the Enterprise Bankruptcy Law, 企业破产法). Pure: the case
 * service asks {@link checkStageMove} before it writes, and the unit tests walk every pair.
 */
import { fail, pass, type RuleResult } from '../../rule';

/** 程序: the kind of proceeding. */
export enum CaseProcedure {
  /** 破产清算 */
  LIQUIDATION = 'LIQUIDATION',
  /** 重整 */
  REORGANIZATION = 'REORGANIZATION',
  /** 和解 */
  CONCILIATION = 'CONCILIATION',
  /** 预重整: out of court, before a reorganisation application is accepted. */
  PRE_REORGANIZATION = 'PRE_REORGANIZATION',
  /** 强制清算 (Company Law): court-run liquidation of a dissolved company. */
  COMPULSORY_LIQUIDATION = 'COMPULSORY_LIQUIDATION',
}

/** 阶段, in the order of DOMAIN.md. */
export enum CaseStage {
  /** 破产申请审查: application filed, under review. */
  APPLIED = 'APPLIED',
  /** 受理: accepted; administrator (管理人) appointed. */
  ACCEPTED = 'ACCEPTED',
  /** 债权申报 (Art. 45). */
  CLAIMS_FILING = 'CLAIMS_FILING',
  /** 第一次债权人会议 (Art. 62). */
  CREDITORS_MEETING = 'CREDITORS_MEETING',
  /** 重整计划 / 和解协议 (pre-reorganisation: its plan; compulsory liquidation: 清算方案). */
  PLAN = 'PLAN',
  /** 计划/协议执行 (Art. 86/87, 98). */
  PLAN_EXECUTION = 'PLAN_EXECUTION',
  /** 宣告破产 (Art. 107). */
  DECLARED_BANKRUPT = 'DECLARED_BANKRUPT',
  /** 破产财产变价 (Art. 111–112). */
  REALIZATION = 'REALIZATION',
  /** 破产财产分配 (Art. 113–116). */
  DISTRIBUTION = 'DISTRIBUTION',
  /** 终结 (Art. 120): a liquidation's end. */
  CLOSED = 'CLOSED',
  /** 终止: a reorganisation or conciliation carried out. Never confused with CLOSED (终结). */
  TERMINATED = 'TERMINATED',
  /** 驳回 or 撤回: the application rejected or withdrawn. */
  DISMISSED = 'DISMISSED',
}

export const END_STAGES: readonly CaseStage[] = [CaseStage.CLOSED, CaseStage.TERMINATED, CaseStage.DISMISSED];

const {
  APPLIED,
  ACCEPTED,
  CLAIMS_FILING,
  CREDITORS_MEETING,
  PLAN,
  PLAN_EXECUTION,
  DECLARED_BANKRUPT,
  REALIZATION,
  DISTRIBUTION,
  CLOSED,
  TERMINATED,
  DISMISSED,
} = CaseStage;
const { LIQUIDATION, REORGANIZATION, CONCILIATION, PRE_REORGANIZATION, COMPULSORY_LIQUIDATION } = CaseProcedure;

/**
 * The moves each procedure allows, from each stage, without converting the procedure. A stage missing from a
 * procedure's map is one the procedure never reaches; end stages allow nothing. Declaring a reorganisation or a
 * conciliation bankrupt turns it into a liquidation ({@link DECLARATION_TURNS_INTO}).
 */
export const STAGE_MOVES: Readonly<Record<CaseProcedure, Partial<Record<CaseStage, readonly CaseStage[]>>>> = {
  [LIQUIDATION]: {
    [APPLIED]: [ACCEPTED, DISMISSED],
    // Before the declaration the court may still dismiss (Art. 12), or end a case without assets for its costs
    // (Art. 43) or whose debts were paid (Art. 108): 终结, CLOSED.
    [ACCEPTED]: [CLAIMS_FILING, DECLARED_BANKRUPT, CLOSED, DISMISSED],
    [CLAIMS_FILING]: [CREDITORS_MEETING, DECLARED_BANKRUPT, CLOSED, DISMISSED],
    [CREDITORS_MEETING]: [DECLARED_BANKRUPT, CLOSED, DISMISSED],
    // A bankrupt without assets to distribute is closed at once (Art. 120 para. 1).
    [DECLARED_BANKRUPT]: [REALIZATION, CLOSED],
    [REALIZATION]: [DISTRIBUTION, CLOSED],
    [DISTRIBUTION]: [CLOSED],
  },
  [REORGANIZATION]: {
    [APPLIED]: [ACCEPTED, DISMISSED],
    // During the reorganisation period the court may end it and declare the debtor bankrupt (Art. 78).
    [ACCEPTED]: [CLAIMS_FILING, PLAN, DECLARED_BANKRUPT, DISMISSED],
    [CLAIMS_FILING]: [CREDITORS_MEETING, PLAN, DECLARED_BANKRUPT],
    [CREDITORS_MEETING]: [PLAN, DECLARED_BANKRUPT],
    // A plan approved (Art. 86/87) is carried out; one not adopted or not approved: bankruptcy (Art. 88).
    [PLAN]: [PLAN_EXECUTION, DECLARED_BANKRUPT],
    // Carried out: 终止 (TERMINATED); cannot be carried out: bankruptcy (Art. 93).
    [PLAN_EXECUTION]: [TERMINATED, DECLARED_BANKRUPT],
  },
  [CONCILIATION]: {
    [APPLIED]: [ACCEPTED, DISMISSED],
    [ACCEPTED]: [CLAIMS_FILING, DISMISSED],
    [CLAIMS_FILING]: [CREDITORS_MEETING],
    // The meeting adopts the agreement (Art. 97/98) or not (Art. 99: bankruptcy).
    [CREDITORS_MEETING]: [PLAN, PLAN_EXECUTION, DECLARED_BANKRUPT],
    [PLAN]: [PLAN_EXECUTION, DECLARED_BANKRUPT],
    // Carried out: 终止; not carried out: bankruptcy (Art. 104).
    [PLAN_EXECUTION]: [TERMINATED, DECLARED_BANKRUPT],
  },
  [PRE_REORGANIZATION]: {
    // Out of court: a plan is negotiated; acceptance by a court converts the case (CONVERSIONS), or it fails.
    [APPLIED]: [PLAN, DISMISSED],
    [PLAN]: [DISMISSED],
  },
  [COMPULSORY_LIQUIDATION]: {
    [APPLIED]: [ACCEPTED, DISMISSED],
    [ACCEPTED]: [CLAIMS_FILING, CLOSED, DISMISSED],
    // PLAN is the liquidation plan (清算方案).
    [CLAIMS_FILING]: [PLAN, REALIZATION, CLOSED],
    [PLAN]: [REALIZATION, DISTRIBUTION, CLOSED],
    [REALIZATION]: [DISTRIBUTION, CLOSED],
    [DISTRIBUTION]: [CLOSED],
  },
};

/** A reorganisation or conciliation declared bankrupt continues as a liquidation (转入破产清算). */
export const DECLARATION_TURNS_INTO: Readonly<Partial<Record<CaseProcedure, CaseProcedure>>> = {
  [REORGANIZATION]: LIQUIDATION,
  [CONCILIATION]: LIQUIDATION,
};

/**
 * Conversions of the procedure a stage move may make: from a procedure, at the stages listed, into another
 * procedure; the move's target stage is then checked against the new procedure's moves from the current stage
 * (or equals the current stage, for a conversion that moves no stage).
 * - A liquidation accepted but not yet declared bankrupt may become a reorganisation (Art. 70) or a
 *   conciliation (Art. 95).
 * - A pre-reorganisation becomes a court proceeding when a court accepts it: only by the move to ACCEPTED.
 */
export const CONVERSIONS: readonly { from: CaseProcedure; at: readonly CaseStage[]; into: readonly CaseProcedure[]; toStage?: CaseStage }[] = [
  { from: LIQUIDATION, at: [ACCEPTED, CLAIMS_FILING, CREDITORS_MEETING], into: [REORGANIZATION, CONCILIATION] },
  { from: PRE_REORGANIZATION, at: [APPLIED, PLAN], into: [REORGANIZATION, LIQUIDATION, CONCILIATION], toStage: ACCEPTED },
];

/** The stages a case may start at when registered: not an end stage, and one its procedure reaches. */
export function registrableStages(procedure: CaseProcedure): CaseStage[] {
  const reached = new Set<CaseStage>([APPLIED]);
  for (const targets of Object.values(STAGE_MOVES[procedure])) for (const stage of targets ?? []) reached.add(stage);
  if (DECLARATION_TURNS_INTO[procedure]) reached.delete(DECLARED_BANKRUPT);
  return Object.values(CaseStage).filter((stage) => reached.has(stage) && !END_STAGES.includes(stage));
}

/** What a move leads to: the new stage and the procedure after it. */
export interface StageMove {
  stage: CaseStage;
  procedure: CaseProcedure;
  /** True when the move converts the procedure (CONVERSIONS); a declaration of bankruptcy is no conversion. */
  converts: boolean;
}

/** The moves allowed from a case's stage, conversions included, for error messages and clients. */
export function allowedMoves(procedure: CaseProcedure, stage: CaseStage): StageMove[] {
  const moves: StageMove[] = (STAGE_MOVES[procedure][stage] ?? []).map((to) => ({
    stage: to,
    procedure: to === DECLARED_BANKRUPT ? (DECLARATION_TURNS_INTO[procedure] ?? procedure) : procedure,
    converts: false,
  }));
  for (const conversion of CONVERSIONS) {
    if (conversion.from !== procedure || !conversion.at.includes(stage)) continue;
    for (const into of conversion.into) {
      // Converting and at once being declared bankrupt or ending is no conversion: the case does that as it is.
      const targets = conversion.toStage
        ? [conversion.toStage]
        : [stage, ...(STAGE_MOVES[into][stage] ?? [])].filter((to) => to !== DECLARED_BANKRUPT && !END_STAGES.includes(to));
      for (const to of targets) moves.push({ stage: to, procedure: into, converts: true });
    }
  }
  return moves;
}

/** A move written `STAGE`, or `STAGE as PROCEDURE` when it converts. */
export function describeMove(move: StageMove): string {
  return move.converts ? `${move.stage} as ${move.procedure}` : move.stage;
}

/**
 * Checks a stage move of a case with `procedure` at `stage` to `toStage`, converting into `toProcedure` when
 * it names another procedure (a pre-reorganisation's move to ACCEPTED converts into a REORGANIZATION when none
 * is named; naming the liquidation a declaration of bankruptcy leads to is no conversion). On success the stage
 * and procedure after the move. Rules: `end` (the case has ended), `same` (no move), `conversion` (a conversion
 * the rules do not allow at this stage), `stage` (a move the rules do not allow); the message names the moves
 * allowed.
 */
export function checkStageMove(
  procedure: CaseProcedure,
  stage: CaseStage,
  toStage: CaseStage,
  toProcedure?: CaseProcedure | null,
): RuleResult<StageMove> {
  if (END_STAGES.includes(stage)) return fail('end', `the case has ended (${stage}): no stage follows`);
  const allowed = allowedMoves(procedure, stage);
  const named = `allowed next: ${allowed.map(describeMove).join(', ') || 'none'}`;
  let wanted = toProcedure ?? procedure;
  if (toStage === DECLARED_BANKRUPT && wanted === DECLARATION_TURNS_INTO[procedure]) wanted = procedure;
  if (wanted === PRE_REORGANIZATION && procedure === PRE_REORGANIZATION && toStage === ACCEPTED) wanted = REORGANIZATION;
  const converts = wanted !== procedure;
  const match = allowed.find((move) => move.stage === toStage && move.converts === converts && (!converts || move.procedure === wanted));
  if (match) return pass(match);
  if (!converts && toStage === stage) return fail('same', `the case is already ${stage}; ${named}`);
  if (converts && !allowed.some((move) => move.converts && move.procedure === wanted)) {
    return fail('conversion', `a ${procedure} case at ${stage} cannot become a ${wanted}; ${named}`);
  }
  const subject = converts ? `a ${procedure} case becoming a ${wanted}` : `a ${procedure} case`;
  return fail('stage', `${subject} cannot move from ${stage} to ${toStage}; ${named}`);
}

/** The case's own risk level: the most severe (lowest number) of its three risks, or null when none is known. */
export function caseRiskLevel(risks: readonly (number | null | undefined)[]): number | null {
  const known = risks.filter((risk): risk is number => typeof risk === 'number');
  return known.length ? Math.min(...known) : null;
}

/** The most moves {@link allowedMoves} offers from any stage of any procedure (Case.allowedNextStages). */
export const ALLOWED_MOVES_MAX = Math.max(
  ...Object.values(CaseProcedure).flatMap((procedure) => Object.values(CaseStage).map((stage) => allowedMoves(procedure, stage).length)),
);

/**
 * The most steps a case's stage history can hold (Case.stageHistory): its registration and the longest chain of moves
 * the table allows from a stage a case may be registered at. The moves form no cycle; a change of the table that
 * made one would throw here, when the module loads.
 */
export const STAGE_HISTORY_MAX = 1 + longestChainOfMoves();

function longestChainOfMoves(): number {
  const longest = new Map<string, number>();
  const onPath = new Set<string>();
  const from = (procedure: CaseProcedure, stage: CaseStage): number => {
    const key = `${procedure} ${stage}`;
    const known = longest.get(key);
    if (known !== undefined) return known;
    if (onPath.has(key)) throw new Error(`the stage table has a cycle through ${key}: a stage history would have no bound`);
    onPath.add(key);
    const length = Math.max(0, ...allowedMoves(procedure, stage).map((move) => 1 + from(move.procedure, move.stage)));
    onPath.delete(key);
    longest.set(key, length);
    return length;
  };
  return Math.max(...Object.values(CaseProcedure).flatMap((procedure) => registrableStages(procedure).map((stage) => from(procedure, stage))));
}
