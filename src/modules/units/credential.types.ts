/** GraphQL types of credentials and of the caller (`me`). */
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../../access/roles';
import type { Credential } from './credential.entity';
import { CredentialStatus, credentialStatus } from '../../access/credential-status';
import type { Unit } from './unit.entity';
import { toUnitNode, UnitNode } from './unit.types';

registerEnumType(Role, { name: 'Role', description: 'What a credential may do; what it may see follows its unit.' });
registerEnumType(CredentialStatus, { name: 'CredentialStatus' });

@ObjectType('Credential', { description: "A unit's bearer key, without the key itself." })
export class CredentialNode {
  @Field(() => ID)
  id!: string;

  @Field(() => UnitNode)
  unit!: UnitNode;

  @Field(() => String, { description: "The key's first characters, to tell keys apart." })
  keyHint!: string;

  @Field(() => String, { nullable: true })
  label!: string | null;

  @Field(() => [Role])
  roles!: Role[];

  @Field(() => CredentialStatus)
  status!: CredentialStatus;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;
}

export function toCredentialNode(credential: Credential, unit: Unit = credential.unit.getEntity()): CredentialNode {
  return Object.assign(new CredentialNode(), {
    id: credential.id,
    unit: toUnitNode(unit),
    keyHint: credential.keyHint,
    label: credential.label ?? null,
    roles: credential.roles,
    status: credentialStatus(credential),
    expiresAt: credential.expiresAt ?? null,
    revokedAt: credential.revokedAt ?? null,
    createdAt: credential.createdAt,
  });
}

@ObjectType({ description: 'A newly issued credential and its key, shown this once.' })
export class IssuedCredential {
  @Field(() => String, { description: 'The bearer key. It is not stored and cannot be shown again.' })
  key!: string;

  @Field(() => CredentialNode)
  credential!: CredentialNode;
}

@ObjectType({ description: 'The calling credential.' })
export class Me {
  @Field(() => UnitNode)
  unit!: UnitNode;

  @Field(() => [Role])
  roles!: Role[];

  @Field(() => CredentialNode)
  credential!: CredentialNode;
}

@InputType()
export class IssueCredentialInput {
  @Field(() => String, { description: 'Code of the unit the credential belongs to.' })
  unit!: string;

  @Field(() => [Role], { description: 'ADMIN only for the office.' })
  roles!: Role[];

  @Field(() => Date, { nullable: true, description: 'When the key stops working; never when omitted.' })
  expiresAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'What the key is for, e.g. the system that uses it.' })
  label?: string | null;
}
