/** GraphQL types of the case ledger: cases, their stage history and progress entries (the inputs: case-input.types.ts). */
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Classification } from '../../access/classification';
import { Connection } from '../../graphql/connection';
import { CaseNumberScalar, DecimalScalar, JSONScalar, LocalDateScalar, RegionCodeScalar } from '../../graphql/scalars';
import { RiskLevel } from '../../risk-level';
import { UnitKind } from '../../access/unit-kind';
import { AssetType, ClaimType, ProgressKind } from './case-progress.service';
import { CaseProcedure, CaseStage, describeMove, type StageMove } from './case-stage';
import { CaseOrderField, type StageChangeRow } from './case-reads';
import type { CaseRow, ProgressRow } from './case.sql';

registerEnumType(CaseProcedure, { name: 'CaseProcedure', description: '破产清算, 重整, 和解, 预重整 (out of court), 强制清算.' });
registerEnumType(CaseStage, {
  name: 'CaseStage',
  description: 'Stages under the Enterprise Bankruptcy Law; CLOSED (终结) and TERMINATED (终止) are kept apart.',
});
registerEnumType(ProgressKind, { name: 'ProgressKind' });
registerEnumType(ClaimType, { name: 'ClaimType', description: 'Whose claim a CLAIM_FILED entry declares.' });
registerEnumType(AssetType, { name: 'AssetType', description: 'What an ASSET_FOUND entry found.' });
registerEnumType(CaseOrderField, { name: 'CaseOrderField', description: 'SEVERITY DESC puts RED first.' });

@ObjectType('CaseStageMove', { description: 'A move the stage rules allow from where the case stands.' })
export class CaseStageMoveNode {
  @Field(() => CaseStage)
  stage!: CaseStage;

  @Field(() => CaseProcedure, { description: 'The procedure after the move.' })
  procedure!: CaseProcedure;

  @Field(() => Boolean, { description: 'True when the move converts the procedure (pass it as toProcedure).' })
  converts!: boolean;

  @Field(() => String, { description: 'As error messages name it: "PLAN" or "PLAN as REORGANIZATION".' })
  label!: string;
}

export function toStageMoveNode(move: StageMove): CaseStageMoveNode {
  return Object.assign(new CaseStageMoveNode(), { ...move, label: describeMove(move) });
}

@ObjectType('CaseStageChange', { description: 'One step of the stage history: the registration, then every move.' })
export class CaseStageChangeNode {
  row!: StageChangeRow;

  @Field(() => Int, { description: "The case's version right after the step." })
  version!: number;

  @Field(() => CaseStage, { nullable: true, description: 'Null for the registration.' })
  fromStage!: CaseStage | null;

  @Field(() => CaseStage)
  toStage!: CaseStage;

  @Field(() => CaseProcedure, { nullable: true })
  fromProcedure!: CaseProcedure | null;

  @Field(() => CaseProcedure)
  toProcedure!: CaseProcedure;

  @Field(() => LocalDateScalar, { description: 'The date of the ruling or event.' })
  on!: string;

  @Field(() => String, { nullable: true })
  note!: string | null;

  @Field(() => Date)
  occurredAt!: Date;
}

export function toStageChangeNode(row: StageChangeRow): CaseStageChangeNode {
  return Object.assign(new CaseStageChangeNode(), { ...row, row });
}

@ObjectType('CaseProgress', { description: 'A dated progress entry of a case; appended, never edited.' })
export class CaseProgressNode {
  row!: ProgressRow;

  @Field(() => ID)
  id!: string;

  @Field(() => ProgressKind)
  kind!: ProgressKind;

  @Field(() => LocalDateScalar, { description: 'The date it happened.' })
  occurredOn!: string;

  @Field(() => String)
  summary!: string;

  @Field(() => DecimalScalar, { nullable: true, description: "Yuan: a claim's amount, an asset's estimated value." })
  amount!: string | null;

  @Field(() => ClaimType, { nullable: true })
  claimType!: ClaimType | null;

  @Field(() => AssetType, { nullable: true })
  assetType!: AssetType | null;

  @Field(() => RiskLevel, { nullable: true, description: 'RISK_ASSESSMENT: the level assessed.' })
  riskLevel!: RiskLevel | null;

  @Field(() => [String], { description: 'COORDINATION_REQUEST: the unit codes asked.' })
  addressedTo!: string[];

  @Field(() => ID, { nullable: true, description: 'COORDINATION_REPLY: the request it answers.' })
  inReplyTo!: string | null;

  @Field(() => JSONScalar)
  details!: Record<string, unknown>;

  @Field(() => Date)
  recordedAt!: Date;
}

export function toProgressNode(row: ProgressRow): CaseProgressNode {
  return Object.assign(new CaseProgressNode(), { ...row, row });
}

@ObjectType('Case', { description: 'A case on the ledger of major and sensitive bankruptcy cases (重大、敏感案件台账).' })
export class CaseNode {
  row!: CaseRow;

  @Field(() => ID)
  id!: string;

  @Field(() => CaseNumberScalar, { nullable: true, description: 'The newest number; null for a pre-reorganisation without one.' })
  caseNumber!: string | null;

  @Field(() => [CaseNumberScalar], { description: 'Every number the case carries, oldest first (破申, then 破, …).' })
  caseNumbers!: string[];

  @Field(() => String, { description: "The debtor's name as the court gave it." })
  debtorName!: string;

  @Field(() => RegionCodeScalar)
  regionCode!: string;

  @Field(() => CaseProcedure)
  procedure!: CaseProcedure;

  @Field(() => CaseStage)
  stage!: CaseStage;

  @Field(() => LocalDateScalar, { description: 'The date the current stage began.' })
  stageOn!: string;

  @Field(() => LocalDateScalar, { nullable: true })
  appliedOn!: string | null;

  @Field(() => LocalDateScalar, { nullable: true })
  acceptedOn!: string | null;

  @Field(() => String, { nullable: true, description: '管理人' })
  administrator!: string | null;

  @Field(() => Boolean, { description: '重大' })
  major!: boolean;

  @Field(() => Boolean, { description: '敏感: RESTRICTED by default.' })
  sensitive!: boolean;

  @Field(() => Int, { nullable: true })
  employeesAffected!: number | null;

  @Field(() => DecimalScalar, { nullable: true })
  wagesOwed!: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  debts!: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  assets!: string | null;

  @Field(() => Int, { nullable: true })
  creditors!: number | null;

  @Field(() => RiskLevel, { nullable: true, description: '信访风险' })
  petitionRisk!: RiskLevel | null;

  @Field(() => RiskLevel, { nullable: true, description: '舆情风险' })
  publicOpinionRisk!: RiskLevel | null;

  @Field(() => RiskLevel, { nullable: true, description: '社会稳定风险' })
  socialStabilityRisk!: RiskLevel | null;

  @Field(() => RiskLevel, { nullable: true, description: 'The most severe of the three risks.' })
  riskLevel!: RiskLevel | null;

  @Field(() => String, { nullable: true, description: '处置预案: the handling plan prepared in advance.' })
  handlingPlan!: string | null;

  @Field(() => Classification)
  classification!: Classification;

  @Field(() => [String])
  sharedWithUnits!: string[];

  @Field(() => [UnitKind])
  sharedWithKinds!: UnitKind[];

  @Field(() => Int, { description: 'Pass it as expectedVersion to move or edit the case.' })
  version!: number;

  @Field(() => Date)
  registeredAt!: Date;

  @Field(() => Date, { description: 'The last registration, move, edit or number; progress entries leave it.' })
  updatedAt!: Date;
}

export function toCaseNode(row: CaseRow): CaseNode {
  return Object.assign(new CaseNode(), {
    ...row,
    row,
    caseNumber: row.caseNumbers.at(-1) ?? null,
    sharedWithUnits: row.sharedUnitCodes,
    sharedWithKinds: row.sharedKinds,
  });
}

export const CaseConnection = Connection('Case', CaseNode);

@ObjectType({ description: 'The answer of addCaseProgress.' })
export class AddCaseProgressPayload {
  @Field(() => CaseProgressNode)
  progress!: CaseProgressNode;

  @Field(() => Boolean, { description: 'True when an earlier call with the same idempotencyKey added this entry.' })
  replayed!: boolean;
}
