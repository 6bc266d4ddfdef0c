import { FieldResolver, Resolver, Root } from 'type-graphql';
import { ChangeNode } from '../../feed/change.types';
import { toUnitNode, UnitNode } from './unit.types';

/** The units module's view of a change: the unit that made it, as it is now (read with the change). */
@Resolver(() => ChangeNode)
export class ChangeActingUnitResolver {
  @FieldResolver(() => UnitNode, { nullable: true, description: 'The unit that made the change.' })
  actingUnit(@Root() node: ChangeNode) {
    return node.row.actingUnit ? toUnitNode(node.row.actingUnit) : null;
  }
}
