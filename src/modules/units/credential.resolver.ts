import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { HubContext } from '../../graphql/context';
import { unauthenticated } from '../../errors';
import { NESTED_LIST_ARGUMENT, NestedList, nestedListLength } from '../../graphql/list-size';
import { CredentialNode, IssueCredentialInput, IssuedCredential, Me, toCredentialNode } from './credential.types';
import { toUnitNode } from './unit.types';

@Resolver(() => CredentialNode)
export class CredentialResolver {
  @Query(() => Me, { description: 'The calling credential, its unit and roles.' })
  async me(@Ctx() ctx: HubContext): Promise<Me> {
    const principal = ctx.principal;
    const credential = await ctx.credentials.current(principal);
    if (!credential) throw unauthenticated('the key is not known to this hub');
    return Object.assign(new Me(), {
      unit: toUnitNode(credential.unit.getEntity()),
      roles: principal.roles,
      credential: toCredentialNode(credential),
    });
  }

  @Query(() => [CredentialNode], {
    description: "A unit's credentials, newest first, without their keys: the first `first` (MAX_NESTED_LIST when not given). Office ADMIN.",
  })
  @NestedList()
  async credentials(
    @Ctx() ctx: HubContext,
    @Arg('unit', () => String) unit: string,
    @Arg('first', () => Int, { nullable: true, description: NESTED_LIST_ARGUMENT }) first?: number,
  ) {
    const size = nestedListLength(first, ctx.config.limits.maxNestedList);
    return (await ctx.credentials.list(ctx.principal, unit, size)).map((credential) => toCredentialNode(credential));
  }

  @Mutation(() => IssuedCredential, { description: 'Issue a key to a unit; the answer holds the key, shown this once. Office ADMIN.' })
  async issueCredential(@Ctx() ctx: HubContext, @Arg('input', () => IssueCredentialInput) input: IssueCredentialInput) {
    const issued = await ctx.credentials.issue(ctx.principal, input);
    return Object.assign(new IssuedCredential(), { key: issued.key, credential: toCredentialNode(issued.credential) });
  }

  @Mutation(() => CredentialNode, { description: 'Revoke a key; it stops working on the very next request. Office ADMIN.' })
  async revokeCredential(@Ctx() ctx: HubContext, @Arg('id', () => ID) id: string) {
    return toCredentialNode(await ctx.credentials.revoke(ctx.principal, id));
  }
}
