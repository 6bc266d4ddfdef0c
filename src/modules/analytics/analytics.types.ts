/** GraphQL types of the aggregates. */
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DecimalScalar, RegionCodeScalar } from '../../graphql/scalars';
import { CaseProcedure, CaseStage } from '../cases/case-stage';
import { RiskListType } from '../risk-lists/list-types';
import { RiskCategory, RiskLevel } from '../risk-lists/risk-level';
import { UnitKind } from '../units/unit-kind';
import { CaseStatsDimension, RiskStatsDimension } from './analytics.service';

registerEnumType(RiskStatsDimension, { name: 'RiskStatsDimension', description: 'Grouped by CATEGORY, an entry counts once in each of its categories.' });
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
