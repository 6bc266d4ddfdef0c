/** GraphQL types of the aggregates. */
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ProgressKind } from '../cases/case-progress.service';
import { UnitNode } from '../units/unit.types';
import { DecimalScalar, LocalDateScalar, RegionCodeScalar } from '../../graphql/scalars';
import { CaseProcedure, CaseStage, END_STAGES } from '../cases/case-stage';
import { BoundedList } from '../../graphql/list-size';
import { RiskListType } from '../../risk-list-type';
import { RiskCategory, RiskLevel } from '../../risk-level';
import { UnitKind } from '../../access/unit-kind';
import { CaseStatsDimension, RiskStatsDimension } from './analytics.service';

registerEnumType(RiskStatsDimension, {
  name: 'RiskStatsDimension',
  description: 'Grouped by CATEGORY, an entry counts once in each of its categories.',
});
registerEnumType(CaseStatsDimension, { name: 'CaseStatsDimension' });

@ObjectType('RiskStatsGroup', { description: 'One group of list entries: the dimensions asked for are set, the others null.' })
export class RiskStatsGroupNode {
  @Field(() => RiskListType, { nullable: true })
  listType?: RiskListType;

  @Field(() => RiskLevel, { nullable: true })
  riskLevel?: RiskLevel;

  @Field(() => RiskCategory, { nullable: true })
  category?: RiskCategory;

  @Field(() => String, { nullable: true, description: 'Publisher unit code.' })
  publisher?: string;

  @Field(() => UnitKind, { nullable: true })
  publisherKind?: UnitKind;

  @Field(() => RegionCodeScalar, { nullable: true, description: '省, e.g. 140000.' })
  province?: string;

  @Field(() => RegionCodeScalar, { nullable: true, description: '市, e.g. 140800.' })
  prefecture?: string;

  @Field(() => RegionCodeScalar, { nullable: true, description: '县, e.g. 140802.' })
  county?: string;

  @Field(() => String, { nullable: true, description: 'YYYY-MM in the hub time zone (HUB_TIMEZONE).' })
  month?: string;

  @Field(() => Int)
  entries!: number;

  @Field(() => Int, { description: 'Distinct enterprises (USCC).' })
  enterprises!: number;

  @Field(() => DecimalScalar, { description: 'Sum of the amounts, yuan.' })
  amount!: string;
}

@ObjectType('CaseStatsGroup', { description: 'One group of cases: the dimensions asked for are set, the others null.' })
export class CaseStatsGroupNode {
  @Field(() => CaseStage, { nullable: true })
  stage?: CaseStage;

  @Field(() => CaseProcedure, { nullable: true })
  procedure?: CaseProcedure;

  @Field(() => String, { nullable: true, description: 'Court unit code.' })
  court?: string;

  @Field(() => RegionCodeScalar, { nullable: true })
  province?: string;

  @Field(() => RegionCodeScalar, { nullable: true })
  prefecture?: string;

  @Field(() => RegionCodeScalar, { nullable: true })
  county?: string;

  @Field(() => String, { nullable: true, description: 'Month of registration, YYYY-MM in HUB_TIMEZONE.' })
  month?: string;

  @Field(() => RiskLevel, { nullable: true, description: "The cases' own level (null: none known)." })
  riskLevel?: RiskLevel | null;

  @Field(() => Int)
  cases!: number;

  @Field(() => Int)
  employeesAffected!: number;

  @Field(() => DecimalScalar)
  wagesOwed!: string;

  @Field(() => DecimalScalar)
  debts!: string;

  @Field(() => DecimalScalar)
  assets!: string;
}

@ObjectType('SubmissionStatus', { description: "One unit and one list type for a period: expected of the unit's kind, and whether it published." })
export class SubmissionStatusNode {
  unitId!: string;

  @Field(() => UnitNode)
  unit!: UnitNode;

  @Field(() => RiskListType)
  listType!: RiskListType;

  @Field(() => Boolean, { description: "The list type is one the unit's kind usually publishes (DOMAIN.md)." })
  expected!: boolean;

  @Field(() => Boolean, { description: 'At least one publication of the list for the period was committed.' })
  submitted!: boolean;

  @Field(() => Int)
  publications!: number;

  @Field(() => Date, { nullable: true })
  firstPublishedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastPublishedAt!: Date | null;
}

@ObjectType('BulletinCase', { description: 'A case registered in the period of a bulletin.' })
export class BulletinCaseNode {
  @Field(() => String, { nullable: true })
  caseNumber!: string | null;

  @Field(() => String)
  debtorName!: string;

  @Field(() => String, { description: 'Court unit code.' })
  court!: string;

  @Field(() => CaseProcedure)
  procedure!: CaseProcedure;

  @Field(() => CaseStage)
  stage!: CaseStage;

  @Field(() => Date)
  registeredAt!: Date;
}

@ObjectType('StageCount')
export class StageCountNode {
  @Field(() => CaseStage)
  stage!: CaseStage;

  @Field(() => Int)
  count!: number;
}

@ObjectType('ProgressKindCount')
export class ProgressKindCountNode {
  @Field(() => ProgressKind)
  kind!: ProgressKind;

  @Field(() => Int)
  count!: number;
}

@ObjectType('ListLevelCount')
export class ListLevelCountNode {
  @Field(() => RiskListType)
  listType!: RiskListType;

  @Field(() => RiskLevel)
  riskLevel!: RiskLevel;

  @Field(() => Int)
  count!: number;
}

@ObjectType('BulletinEnterprise', { description: 'An enterprise that came onto the lists of two or more units in the period.' })
export class BulletinEnterpriseNode {
  @Field(() => String)
  uscc!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'Unit codes whose lists it is on at the end of the period.' })
  units!: string[];
}

/** The (list type, risk level) pairs there are. */
const LIST_LEVELS = Object.values(RiskListType).length * Object.values(RiskLevel).filter((level) => typeof level === 'number').length;

@ObjectType('Bulletin', { description: 'The periodic bulletin (定期通报) over what the caller may see.' })
export class BulletinNode {
  @Field(() => LocalDateScalar)
  from!: string;

  @Field(() => LocalDateScalar, { description: 'Included.' })
  to!: string;

  @Field(() => String, { nullable: true })
  regionPrefix!: string | null;

  @Field(() => String, { description: 'The time zone of the days (HUB_TIMEZONE).' })
  timeZone!: string;

  /** Every case registered in the period: Bulletin.casesRegistered shows the first ones (analytics.resolver.ts). */
  casesRegistered!: BulletinCaseNode[];

  // The lists below are counts grouped by the values of enums: never longer than those.
  @Field(() => [StageCountNode], { description: 'Stage moves by the stage moved to.' })
  @BoundedList(Object.values(CaseStage).length)
  stageMoves!: StageCountNode[];

  @Field(() => [StageCountNode], { description: 'Cases that reached CLOSED, TERMINATED or DISMISSED.' })
  @BoundedList(END_STAGES.length)
  casesEnded!: StageCountNode[];

  @Field(() => [ProgressKindCountNode])
  @BoundedList(Object.values(ProgressKind).length)
  progress!: ProgressKindCountNode[];

  @Field(() => [ListLevelCountNode])
  @BoundedList(LIST_LEVELS)
  entriesAdded!: ListLevelCountNode[];

  @Field(() => [ListLevelCountNode])
  @BoundedList(LIST_LEVELS)
  entriesWithdrawn!: ListLevelCountNode[];

  /** Every enterprise that came onto several lists: Bulletin.enterprisesOnSeveralLists shows the first ones. */
  enterprisesOnSeveralLists!: BulletinEnterpriseNode[];
}
