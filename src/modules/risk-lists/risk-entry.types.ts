/** GraphQL types of list entries. */
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Classification } from '../../access/classification';
import { Connection } from '../../graphql/connection';
import { DecimalScalar, JSONScalar, LocalDateScalar, RegionCodeScalar, UsccScalar } from '../../graphql/scalars';
import { UnitKind } from '../../access/unit-kind';
import { RiskListType } from '../../risk-list-type';
import { RiskCategory, RiskLevel } from '../../risk-level';
import { SortDirection } from '../../db/keyset';
import { EntryStatusFilter, RiskEntryOrderField } from './risk-entry.queries';
import type { RiskEntryVersionRow } from './risk-entry.service';
import type { RiskEntryRow } from './risk-entry.sql';

registerEnumType(RiskListType, { name: 'RiskListType', description: 'The list types of DOMAIN.md (吊销, 欠税, 停产, …).' });
registerEnumType(RiskLevel, { name: 'RiskLevel', description: 'RED (most severe), ORANGE, YELLOW, BLUE.' });
registerEnumType(RiskCategory, { name: 'RiskCategory' });
registerEnumType(Classification, { name: 'Classification', description: 'SHARED with every unit, or RESTRICTED.' });
registerEnumType(EntryStatusFilter, { name: 'EntryStatusFilter' });
registerEnumType(RiskEntryOrderField, { name: 'RiskEntryOrderField', description: 'SEVERITY DESC puts RED first.' });
registerEnumType(SortDirection, { name: 'SortDirection' });

export enum EntryStatus {
  ACTIVE = 'ACTIVE',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(EntryStatus, { name: 'EntryStatus' });

@ObjectType('RiskEntryVersion', { description: 'One version of a list entry; the last is the current one.' })
export class RiskEntryVersionNode {
  @Field(() => Int)
  version!: number;

  @Field(() => String)
  enterpriseName!: string;

  @Field(() => RegionCodeScalar)
  regionCode!: string;

  @Field(() => RiskLevel)
  riskLevel!: RiskLevel;

  @Field(() => [RiskCategory])
  categories!: RiskCategory[];

  @Field(() => DecimalScalar, { nullable: true })
  amount!: string | null;

  @Field(() => LocalDateScalar, { nullable: true })
  effectiveDate!: string | null;

  @Field(() => String, { nullable: true })
  remarks!: string | null;

  @Field(() => JSONScalar)
  details!: Record<string, unknown>;

  @Field(() => Classification)
  classification!: Classification;

  @Field(() => String, { nullable: true })
  period!: string | null;

  @Field(() => Date)
  publishedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the next version replaced it; null for the current one.' })
  supersededAt!: Date | null;
}

export function toVersionNode(row: RiskEntryVersionRow): RiskEntryVersionNode {
  return Object.assign(new RiskEntryVersionNode(), row);
}

@ObjectType('RiskEntry', { description: "One enterprise on one unit's list of one type." })
export class RiskEntryNode {
  /** The row behind the node, for field resolvers. */
  row!: RiskEntryRow;

  @Field(() => ID)
  id!: string;

  @Field(() => RiskListType)
  listType!: RiskListType;

  @Field(() => UsccScalar)
  uscc!: string;

  @Field(() => String, { description: 'The name as the publisher gave it.' })
  enterpriseName!: string;

  @Field(() => RegionCodeScalar)
  regionCode!: string;

  @Field(() => RiskLevel)
  riskLevel!: RiskLevel;

  @Field(() => [RiskCategory])
  categories!: RiskCategory[];

  @Field(() => DecimalScalar, { nullable: true, description: 'Yuan; what it means depends on the list type.' })
  amount!: string | null;

  @Field(() => LocalDateScalar, { nullable: true })
  effectiveDate!: string | null;

  @Field(() => String, { nullable: true })
  remarks!: string | null;

  @Field(() => JSONScalar, { description: "The list type's own keys (DOMAIN.md)." })
  details!: Record<string, unknown>;

  @Field(() => Classification)
  classification!: Classification;

  @Field(() => [String], { description: 'Unit codes that may read it when RESTRICTED.' })
  sharedWithUnits!: string[];

  @Field(() => [UnitKind], { description: 'Unit kinds that may read it when RESTRICTED.' })
  sharedWithKinds!: UnitKind[];

  @Field(() => EntryStatus)
  status!: EntryStatus;

  @Field(() => Int, { description: '1 for the first version; each update adds one.' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'The period of the publication that gave this version.' })
  period!: string | null;

  @Field(() => Date, { description: 'When the enterprise was put on this list.' })
  firstPublishedAt!: Date;

  @Field(() => Date, { description: 'When this version was published.' })
  publishedAt!: Date;

  @Field(() => Date, { nullable: true })
  withdrawnAt!: Date | null;

  @Field(() => String, { nullable: true })
  withdrawalReason!: string | null;
}

export function toRiskEntryNode(row: RiskEntryRow): RiskEntryNode {
  return Object.assign(new RiskEntryNode(), {
    row,
    id: row.id,
    listType: row.listType,
    uscc: row.uscc,
    enterpriseName: row.enterpriseName,
    regionCode: row.regionCode,
    riskLevel: row.riskLevel,
    categories: row.categories,
    amount: row.amount,
    effectiveDate: row.effectiveDate,
    remarks: row.remarks,
    details: row.details,
    classification: row.classification,
    sharedWithUnits: row.sharedUnitCodes,
    sharedWithKinds: row.sharedKinds,
    status: row.status,
    version: row.version,
    period: row.period,
    firstPublishedAt: row.firstPublishedAt,
    publishedAt: row.publishedAt,
    withdrawnAt: row.withdrawnAt,
    withdrawalReason: row.withdrawalReason,
  });
}

export const RiskEntryConnection = Connection('RiskEntry', RiskEntryNode);

@InputType()
export class RiskEntryFilter {
  @Field(() => [RiskListType], { nullable: true })
  listTypes?: RiskListType[] | null;

  @Field(() => [String], { nullable: true, description: 'Publisher unit codes.' })
  publishers?: string[] | null;

  @Field(() => [UnitKind], { nullable: true })
  publisherKinds?: UnitKind[] | null;

  @Field(() => RiskLevel, { nullable: true, description: 'At least this severe: ORANGE means ORANGE or RED.' })
  minRiskLevel?: RiskLevel | null;

  @Field(() => [RiskCategory], { nullable: true, description: 'Entries with any of these categories.' })
  categories?: RiskCategory[] | null;

  @Field(() => String, { nullable: true, description: 'Region prefix of 2, 4 or 6 digits.' })
  regionPrefix?: string | null;

  @Field(() => EntryStatusFilter, { nullable: true, description: 'Default ACTIVE.' })
  status?: EntryStatusFilter | null;

  @Field(() => LocalDateScalar, { nullable: true })
  effectiveFrom?: string | null;

  @Field(() => LocalDateScalar, { nullable: true })
  effectiveTo?: string | null;

  @Field(() => Date, { nullable: true })
  publishedFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Exclusive.' })
  publishedTo?: Date | null;

  @Field(() => UsccScalar, { nullable: true })
  uscc?: string | null;

  @Field(() => String, { nullable: true, description: "A fragment of the enterprise's name as published." })
  enterpriseName?: string | null;
}

@InputType()
export class RiskEntryOrder {
  @Field(() => RiskEntryOrderField)
  field!: RiskEntryOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.DESC })
  direction!: SortDirection;
}

@InputType()
export class WithdrawRiskEntriesInput {
  @Field(() => [ID])
  ids!: string[];

  @Field(() => String)
  reason!: string;
}
