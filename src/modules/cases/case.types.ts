/** GraphQL types of the case ledger: cases, their stage history and progress entries, and their inputs. */
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Classification } from '../../access/classification';
import { Connection } from '../../graphql/connection';
import { CaseNumberScalar, DecimalScalar, JSONScalar, LocalDateScalar, RegionCodeScalar, UsccScalar } from '../../graphql/scalars';
import { SortDirection } from '../risk-lists/risk-entry.service';
import { RiskLevel } from '../risk-lists/risk-level';
import { UnitKind } from '../units/unit-kind';
import { AssetType, ClaimType, ProgressKind } from './case-progress.service';
import { CaseProcedure, CaseStage, describeMove, type StageMove } from './case-stage';
import { CaseOrderField, type StageChangeRow } from './case.service';
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

@InputType({ description: 'Monitoring points (监测、评估重点内容), flags, administrator and sharing of a case.' })
class CaseFieldsInput {
  @Field(() => String, { nullable: true })
  administrator?: string | null;

  @Field(() => Boolean, { nullable: true })
  major?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'A sensitive case is RESTRICTED unless classification says otherwise.' })
  sensitive?: boolean | null;

  @Field(() => Int, { nullable: true })
  employeesAffected?: number | null;

  @Field(() => DecimalScalar, { nullable: true })
  wagesOwed?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  debts?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  assets?: string | null;

  @Field(() => Int, { nullable: true })
  creditors?: number | null;

  @Field(() => RiskLevel, { nullable: true })
  petitionRisk?: RiskLevel | null;

  @Field(() => RiskLevel, { nullable: true })
  publicOpinionRisk?: RiskLevel | null;

  @Field(() => RiskLevel, { nullable: true })
  socialStabilityRisk?: RiskLevel | null;

  @Field(() => String, { nullable: true })
  handlingPlan?: string | null;

  @Field(() => Classification, { nullable: true })
  classification?: Classification | null;

  @Field(() => [String], { nullable: true, description: 'Unit codes that may read the case when RESTRICTED.' })
  sharedWithUnits?: string[] | null;

  @Field(() => [UnitKind], { nullable: true, description: 'Unit kinds that may read the case when RESTRICTED.' })
  sharedWithKinds?: UnitKind[] | null;
}

@InputType()
export class RegisterCaseInput extends CaseFieldsInput {
  @Field(() => CaseNumberScalar, {
    nullable: true,
    description:
      "Required, except for a PRE_REORGANIZATION that has none yet. It carries the court's court code (Unit.courtCode); an appeal or supervision number (破终, 清终, 破监, 清监) may carry a court above's.",
  })
  caseNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'The office only: the unit code of the court that hears the case.' })
  court?: string | null;

  @Field(() => UsccScalar)
  debtorUscc!: string;

  @Field(() => String)
  debtorName!: string;

  @Field(() => RegionCodeScalar, { nullable: true, description: "Default: the known enterprise's region, else the USCC's division digits." })
  regionCode?: string | null;

  @Field(() => CaseProcedure)
  procedure!: CaseProcedure;

  @Field(() => CaseStage, { nullable: true, description: 'Default APPLIED.' })
  stage?: CaseStage | null;

  @Field(() => LocalDateScalar, { nullable: true })
  appliedOn?: string | null;

  @Field(() => LocalDateScalar, { nullable: true })
  acceptedOn?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'When the current stage began; default acceptedOn or appliedOn, else today.' })
  stageOn?: string | null;
}

@InputType()
export class AdvanceCaseStageInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => CaseStage)
  toStage!: CaseStage;

  @Field(() => CaseProcedure, { nullable: true, description: 'Converts the procedure where the rules allow it.' })
  toProcedure?: CaseProcedure | null;

  @Field(() => Int)
  expectedVersion!: number;

  @Field(() => LocalDateScalar, { description: 'The date of the ruling or event.' })
  on!: string;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => CaseNumberScalar, {
    nullable: true,
    description: "On acceptance: the proceeding's number, added to the case; a court's carries its court code, the office's may be any.",
  })
  caseNumber?: string | null;
}

@InputType({ description: 'Omitted fields keep their value; null clears an optional one.' })
export class UpdateCaseInput extends CaseFieldsInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => Int)
  expectedVersion!: number;

  @Field(() => String, { nullable: true })
  debtorName?: string | null;
}

@InputType()
export class AddCaseNumberInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => CaseNumberScalar, {
    description: "A court's carries its court code (an appeal or supervision number also a court above's); the office's may be any.",
  })
  caseNumber!: string;
}

@InputType()
export class AddCaseProgressInput {
  @Field(() => ID)
  caseId!: string;

  @Field(() => ProgressKind)
  kind!: ProgressKind;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Default today.' })
  occurredOn?: string | null;

  @Field(() => String)
  summary!: string;

  @Field(() => DecimalScalar, { nullable: true, description: 'Required for CLAIM_FILED.' })
  amount?: string | null;

  @Field(() => ClaimType, { nullable: true, description: 'CLAIM_FILED only, required there.' })
  claimType?: ClaimType | null;

  @Field(() => AssetType, { nullable: true, description: 'ASSET_FOUND only, required there.' })
  assetType?: AssetType | null;

  @Field(() => RiskLevel, { nullable: true, description: 'RISK_ASSESSMENT only, required there.' })
  riskLevel?: RiskLevel | null;

  @Field(() => [String], { nullable: true, description: 'COORDINATION_REQUEST only, required there: unit codes.' })
  addressedTo?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'COORDINATION_REPLY only, required there: the request answered.' })
  inReplyTo?: string | null;

  @Field(() => JSONScalar, { nullable: true, description: 'Anything else worth keeping, as a JSON object.' })
  details?: unknown;

  @Field(() => String, { nullable: true, description: 'Per unit: a retry with the same key and payload returns the first entry.' })
  idempotencyKey?: string | null;
}

@InputType()
export class CaseFilter {
  @Field(() => [CaseStage], { nullable: true })
  stages?: CaseStage[] | null;

  @Field(() => [CaseProcedure], { nullable: true })
  procedures?: CaseProcedure[] | null;

  @Field(() => [String], { nullable: true, description: 'Court unit codes.' })
  courts?: string[] | null;

  @Field(() => String, { nullable: true, description: "The debtor's region: a prefix of 2, 4 or 6 digits." })
  regionPrefix?: string | null;

  @Field(() => Boolean, { nullable: true })
  major?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  sensitive?: boolean | null;

  @Field(() => RiskLevel, { nullable: true, description: 'At least this severe: ORANGE means ORANGE or RED.' })
  minRiskLevel?: RiskLevel | null;

  @Field(() => UsccScalar, { nullable: true })
  debtorUscc?: string | null;

  @Field(() => String, { nullable: true, description: "A fragment of the debtor's name." })
  debtorName?: string | null;

  @Field(() => Date, { nullable: true, description: 'Registered, moved, edited or numbered at or after this time.' })
  updatedSince?: Date | null;
}

@InputType()
export class CaseOrder {
  @Field(() => CaseOrderField)
  field!: CaseOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.DESC })
  direction!: SortDirection;
}
