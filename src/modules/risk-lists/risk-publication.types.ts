/** GraphQL types of publishing a list. */
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Classification } from '../../access/classification';
import { Connection } from '../../graphql/connection';
import { BoundedList } from '../../graphql/list-size';
import { JSONScalar } from '../../graphql/scalars';
import { UnitKind } from '../../access/unit-kind';
import type { RejectedRow as RejectedRowValue } from './entry-rows';
import { RiskListType } from '../../risk-list-type';
import { RiskCategory, RiskLevel } from '../../risk-level';
import type { RiskPublication } from './risk-publication.entity';
import { InvalidRowPolicy, PublishMode, type PublishResult } from './risk-publication.inputs';

registerEnumType(PublishMode, { name: 'PublishMode', description: 'SNAPSHOT: the whole current list; DELTA: changes only.' });
registerEnumType(InvalidRowPolicy, { name: 'InvalidRowPolicy', description: 'REJECT_ALL: one bad row commits nothing; SKIP: commit the good rows.' });

@InputType({ description: 'One row of a list. Each field is checked per row, so one bad value is one rejected row.' })
export class RiskEntryInput {
  @Field(() => String)
  uscc!: string;

  @Field(() => String)
  enterpriseName!: string;

  @Field(() => String, { nullable: true, description: "Where the enterprise is; default: the hub's known region, else the USCC's division digits." })
  regionCode?: string | null;

  @Field(() => RiskLevel)
  riskLevel!: RiskLevel;

  @Field(() => [RiskCategory])
  categories!: RiskCategory[];

  @Field(() => String, { nullable: true, description: 'Yuan as a decimal string, e.g. "12345.67"; required where the list type says so.' })
  amount?: string | null;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD.' })
  effectiveDate?: string | null;

  @Field(() => String, { nullable: true })
  remarks?: string | null;

  @Field(() => JSONScalar, { nullable: true, description: "The list type's own keys (DOMAIN.md)." })
  details?: unknown;

  @Field(() => Classification, { nullable: true, description: "Overrides the publication's default." })
  classification?: Classification | null;
}

@InputType()
export class RiskWithdrawalInput {
  @Field(() => String)
  uscc!: string;

  @Field(() => String)
  reason!: string;
}

@InputType()
export class PublishRiskListInput {
  @Field(() => RiskListType)
  listType!: RiskListType;

  @Field(() => PublishMode)
  mode!: PublishMode;

  @Field(() => String, { description: 'Per unit; a retry with the same key and payload returns the first answer.' })
  idempotencyKey!: string;

  @Field(() => String, { nullable: true, description: 'What the list refers to, e.g. "2026-Q3".' })
  period?: string | null;

  @Field(() => [RiskEntryInput])
  entries!: RiskEntryInput[];

  @Field(() => [RiskWithdrawalInput], { nullable: true, description: 'DELTA only.' })
  withdrawals?: RiskWithdrawalInput[] | null;

  @Field(() => Classification, { nullable: true, description: 'Default for the entries: SHARED.' })
  classification?: Classification | null;

  @Field(() => [String], { nullable: true, description: 'Unit codes that may read RESTRICTED entries.' })
  sharedWithUnits?: string[] | null;

  @Field(() => [UnitKind], { nullable: true, description: 'Unit kinds that may read RESTRICTED entries.' })
  sharedWithKinds?: UnitKind[] | null;

  @Field(() => InvalidRowPolicy, { nullable: true, description: 'Default REJECT_ALL.' })
  onInvalidRow?: InvalidRowPolicy | null;

  @Field(() => Boolean, { nullable: true, description: 'A SNAPSHOT with no entries withdraws the whole list only when true.' })
  allowEmpty?: boolean | null;

  @Field(() => String, { nullable: true, description: 'The office only: publish a correction for the unit with this code.' })
  publisher?: string | null;
}

@ObjectType({ description: 'A refused row: its position in entries (or withdrawals), the field and the rule broken.' })
export class RejectedRow {
  @Field(() => Int)
  index!: number;

  @Field(() => String, { nullable: true })
  uscc!: string | null;

  @Field(() => String)
  field!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType('RiskPublication', { description: 'One committed publication of a list, also one that changed nothing.' })
export class RiskPublicationNode {
  publisherUnitId!: string;
  actingUnitId!: string;

  @Field(() => ID)
  id!: string;

  @Field(() => RiskListType)
  listType!: RiskListType;

  @Field(() => PublishMode)
  mode!: PublishMode;

  @Field(() => String, { nullable: true })
  period!: string | null;

  @Field(() => String)
  idempotencyKey!: string;

  @Field(() => Int, { description: 'Rows sent.' })
  entryCount!: number;

  @Field(() => Int)
  added!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => Int)
  withdrawn!: number;

  @Field(() => Int)
  unchanged!: number;

  /** The rows skipped, when the publication was read with them (just written or replayed); else read when asked. */
  rejectedRows?: RejectedRowValue[];

  @Field(() => Date)
  publishedAt!: Date;
}

export function toPublicationNode(publication: RiskPublication): RiskPublicationNode {
  return Object.assign(new RiskPublicationNode(), {
    publisherUnitId: publication.publisherUnitId,
    actingUnitId: publication.actingUnitId,
    id: publication.id,
    listType: publication.listType,
    mode: publication.mode,
    period: publication.period ?? null,
    idempotencyKey: publication.idempotencyKey,
    entryCount: publication.entryCount,
    added: publication.added,
    updated: publication.updated,
    withdrawn: publication.withdrawn,
    unchanged: publication.unchanged,
    // Undefined when the list read the publication without them (risk-publication-rejected.ts reads them then).
    rejectedRows: publication.rejected,
    publishedAt: publication.publishedAt,
  });
}

export const RiskPublicationConnection = Connection('RiskPublication', RiskPublicationNode);

@InputType()
export class RiskPublicationFilter {
  @Field(() => String, { nullable: true, description: 'Publisher unit code (the office sees every unit).' })
  publisher?: string | null;

  @Field(() => [RiskListType], { nullable: true })
  listTypes?: RiskListType[] | null;

  @Field(() => String, { nullable: true })
  period?: string | null;
}

@ObjectType({ description: 'The answer to a well-formed publication, committed or not.' })
export class PublishRiskListPayload {
  @Field(() => Boolean, { description: 'False when REJECT_ALL met a bad row: nothing was written.' })
  committed!: boolean;

  @Field(() => Boolean, { description: 'True when this is the stored answer to an earlier call with the same key.' })
  replayed!: boolean;

  @Field(() => RiskPublicationNode, { nullable: true })
  publication!: RiskPublicationNode | null;

  @Field(() => Int)
  added!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => Int)
  withdrawn!: number;

  @Field(() => Int)
  unchanged!: number;

  // Every rejected row of the request (DESIGN invariant 1): as long as the request's own rows, which its body bounds;
  // leaf rows with nothing below them, so the estimate counts the field once.
  @Field(() => [RejectedRow], { description: 'Every rejected row of this request.' })
  @BoundedList(1)
  rejected!: RejectedRowValue[];
}

export function toPublishPayload(result: PublishResult): PublishRiskListPayload {
  return Object.assign(new PublishRiskListPayload(), {
    ...result,
    publication: result.publication ? toPublicationNode(result.publication) : null,
  });
}
