/** GraphQL types of enterprises. */
import { Field, InputType, ObjectType } from 'type-graphql';
import type { EnterpriseView } from '../../access/visibility';
import { Connection } from '../../graphql/connection';
import { RegionCodeScalar, UsccScalar } from '../../graphql/scalars';

@ObjectType('Enterprise', { description: 'An enterprise keyed by its USCC (统一社会信用代码).' })
export class EnterpriseNode {
  @Field(() => UsccScalar)
  uscc!: string;

  @Field(() => String, {
    description:
      "The registry name (the office's, or market regulation's SHARED lists'); for an enterprise known to the caller only from RESTRICTED rows, the name on the first of them it may read.",
  })
  name!: string;

  @Field(() => RegionCodeScalar, {
    description: "Where the enterprise is; the USCC's division digits only by default. From the same source as name.",
  })
  regionCode!: string;

  @Field(() => String, { nullable: true })
  industry!: string | null;

  @Field(() => String, { nullable: true, description: '法定代表人' })
  legalRepresentative!: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data: masked (140802********1234) without PERSONAL_DATA.' })
  legalRepresentativeIdNumber!: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data: masked (138****5678) without PERSONAL_DATA.' })
  contactPhone!: string | null;

  @Field(() => Boolean, { description: 'True when personal data was masked for the caller.' })
  personalDataMasked!: boolean;

  @Field(() => Date, {
    description: 'When it became public (registered, or named by a SHARED row); else the time of the row the caller knows it from.',
  })
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

export function toEnterpriseNode(view: EnterpriseView): EnterpriseNode {
  return Object.assign(new EnterpriseNode(), {
    uscc: view.uscc,
    name: view.name,
    regionCode: view.regionCode,
    industry: view.industry ?? null,
    legalRepresentative: view.legalRepresentative ?? null,
    legalRepresentativeIdNumber: view.legalRepresentativeIdNumber ?? null,
    contactPhone: view.contactPhone ?? null,
    personalDataMasked: view.personalDataMasked,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  });
}

export const EnterpriseConnection = Connection('Enterprise', EnterpriseNode);

@InputType()
export class EnterpriseFilter {
  @Field(() => String, { nullable: true, description: 'A fragment of the name, anywhere, case-insensitive.' })
  nameContains?: string | null;

  @Field(() => String, { nullable: true, description: 'Region prefix of 2, 4 or 6 digits (14, 1408, 140802).' })
  regionPrefix?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact industry.' })
  industry?: string | null;
}

@InputType({ description: 'Register an enterprise or correct it: omitted fields keep their value, null clears an optional one.' })
export class RegisterEnterpriseInput {
  @Field(() => UsccScalar)
  uscc!: string;

  @Field(() => String, { nullable: true, description: 'Required for a new enterprise.' })
  name?: string | null;

  @Field(() => RegionCodeScalar, { nullable: true, description: "Default for a new enterprise: the USCC's division digits." })
  regionCode?: string | null;

  @Field(() => String, { nullable: true })
  industry?: string | null;

  @Field(() => String, { nullable: true })
  legalRepresentative?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data: a resident ID (checked) or another document number.' })
  legalRepresentativeIdNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data.' })
  contactPhone?: string | null;
}

@ObjectType()
export class RegisterEnterprisePayload {
  @Field(() => EnterpriseNode)
  enterprise!: EnterpriseNode;

  @Field(() => Boolean, { description: 'True when the enterprise was new to the hub.' })
  created!: boolean;
}
