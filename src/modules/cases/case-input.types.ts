/** GraphQL input types of the case ledger: a case's fields, registration, stage moves, edits, numbers, progress entries, filter and order. */
import { Field, ID, InputType, Int } from 'type-graphql';
import { Classification } from '../../access/classification';
import { CaseNumberScalar, DecimalScalar, JSONScalar, LocalDateScalar, RegionCodeScalar, UsccScalar } from '../../graphql/scalars';
import { SortDirection } from '../../db/keyset';
import { RiskLevel } from '../../risk-level';
import { UnitKind } from '../../access/unit-kind';
import { AssetType, ClaimType, ProgressKind } from './case-progress.service';
import { CaseProcedure, CaseStage } from './case-stage';
import { CaseOrderField } from './case-reads';

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
