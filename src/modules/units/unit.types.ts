/** GraphQL types of member units. */
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { RegionCodeScalar } from '../../graphql/scalars';
import { unitFacts, type UnitFields } from './unit.entity';
import { UnitKind } from '../../access/unit-kind';

registerEnumType(UnitKind, { name: 'UnitKind', description: 'What kind of body a member unit (成员单位) is.' });

@ObjectType('Unit', { description: 'A member unit (成员单位) of the coordination mechanism.' })
export class UnitNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Stable code, e.g. YC-TAX.' })
  code!: string;

  @Field(() => String)
  name!: string;

  @Field(() => UnitKind)
  kind!: UnitKind;

  @Field(() => RegionCodeScalar)
  regionCode!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "A court's court code (法院代字), e.g. 晋08: the code its case numbers carry. Null for other kinds and for a court whose code the office has not set.",
  })
  courtCode!: string | null;

  @Field(() => Boolean, { description: 'The coordination office (府院联动机制办公室).' })
  isOffice!: boolean;

  @Field(() => Boolean, { description: "False once deactivated; a deactivated unit's keys no longer work." })
  active!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

export function toUnitNode(unit: UnitFields): UnitNode {
  return Object.assign(new UnitNode(), {
    ...unitFacts(unit),
    createdAt: unit.createdAt,
    updatedAt: unit.updatedAt,
  });
}

export const UnitConnection = Connection('Unit', UnitNode);

@InputType()
export class CreateUnitInput {
  @Field(() => String, { description: '2 to 32 letters, digits or hyphens, e.g. YC-TAX; stored upper-case.' })
  code!: string;

  @Field(() => String)
  name!: string;

  @Field(() => UnitKind)
  kind!: UnitKind;

  @Field(() => RegionCodeScalar)
  regionCode!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'A COURT unit only: its court code (法院代字), 最高法 or a province abbreviation alone, with 2 or with 4 digits (晋, 晋08, 晋0802); unique.',
  })
  courtCode?: string | null;
}

@InputType({ description: 'Change a unit; omitted fields keep their value (courtCode: null clears the code).' })
export class UpdateUnitInput {
  @Field(() => String, { description: 'The unit to change, by its code; a code never changes (records are shared with units by code).' })
  code!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => UnitKind, { nullable: true })
  kind?: UnitKind | null;

  @Field(() => RegionCodeScalar, { nullable: true })
  regionCode?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "A COURT unit's court code (法院代字), e.g. 晋08; null clears it. A unit whose kind changes away from COURT must clear it in the same change.",
  })
  courtCode?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'False deactivates the unit: its keys stop working at once and their open subscriptions end on every instance. True reactivates it: its keys that are neither revoked nor expired work again (ended subscriptions stay ended; new ones may open).',
  })
  active?: boolean | null;
}

@InputType()
export class UnitFilter {
  @Field(() => UnitKind, { nullable: true })
  kind?: UnitKind | null;

  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;
}
