/** GraphQL types of the change feed. */
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../graphql/connection';
import { BoundedList } from '../graphql/list-size';
import { JSONScalar, UsccScalar } from '../graphql/scalars';
import { RiskListType } from '../risk-list-type';
import { RiskLevel } from '../risk-level';
import { ChangeKind, ChangeTopic } from '../change-log/change-log';
import type { StoredChange } from '../change-log/change-reader';
import type { ChangeCursors } from '../change-log/cursor';

registerEnumType(ChangeTopic, {
  name: 'ChangeTopic',
  description: 'What changed: a list entry, a case, a progress entry of a case, a credential, a member unit (the last two: the office only).',
});
registerEnumType(ChangeKind, { name: 'ChangeKind' });

@ObjectType('Change', { description: 'One change of the change log, with the entity as it was right after it.' })
export class ChangeNode {
  row!: StoredChange;

  @Field(() => String, { description: 'Opaque; pass it as `after` to resume after this change.' })
  cursor!: string;

  @Field(() => ChangeTopic)
  topic!: ChangeTopic;

  @Field(() => ChangeKind)
  kind!: ChangeKind;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => ID, { description: 'The id of the entity that changed (an entry, a case, a progress entry, a credential, a unit).' })
  entityId!: string;

  @Field(() => JSONScalar, { description: 'The entity right after the change, as stored with it.' })
  payload!: Record<string, unknown>;
}

export function toChangeNode(change: StoredChange, cursors: ChangeCursors): ChangeNode {
  return Object.assign(new ChangeNode(), {
    row: change,
    cursor: cursors.encode(change.position),
    topic: change.topic,
    kind: change.kind,
    occurredAt: change.occurredAt,
    entityId: change.entityId,
    payload: change.payload,
  });
}

@ObjectType('ChangeEdge')
export class ChangeEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => ChangeNode)
  node!: ChangeNode;
}

@ObjectType('ChangeConnection', { description: 'A page of the change log. endCursor moves forward even when the page kept nothing.' })
export class ChangeConnection {
  // As long as the page, which `changes(first:)` already counts in the cost estimate.
  @Field(() => [ChangeEdge])
  @BoundedList(1)
  edges!: ChangeEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@InputType({ description: 'Every criterion given must hold.' })
export class ChangeFilter {
  @Field(() => [ChangeTopic], { nullable: true })
  topics?: ChangeTopic[] | null;

  @Field(() => [ChangeKind], { nullable: true })
  kinds?: ChangeKind[] | null;

  @Field(() => [RiskListType], { nullable: true })
  listTypes?: RiskListType[] | null;

  @Field(() => RiskLevel, { nullable: true, description: 'At least this severe (ORANGE: ORANGE or RED); changes without a level do not pass.' })
  minRiskLevel?: RiskLevel | null;

  @Field(() => String, { nullable: true, description: 'Region prefix of 2, 4 or 6 digits.' })
  regionPrefix?: string | null;

  @Field(() => [UsccScalar], { nullable: true, description: 'Changes concerning these enterprises (list entries, cases of these debtors).' })
  enterprises?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Changes of these cases and their progress entries.' })
  cases?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Changes made by these units (codes).' })
  actingUnits?: string[] | null;
}
