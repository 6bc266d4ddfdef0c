import { FieldResolver, Resolver, Root } from 'type-graphql';
import { ChangeTopic } from '../../change-log/change-log';
import { ChangeNode } from '../../feed/change.types';
import { riskEntryRowFromPayload } from './risk-entry.sql';
import { RiskEntryNode, toRiskEntryNode } from './risk-entry.types';

/** The risk-lists module's view of a change: a RISK_ENTRY change's payload decoded into the entry. */
@Resolver(() => ChangeNode)
export class ChangeRiskEntryResolver {
  @FieldResolver(() => RiskEntryNode, { nullable: true, description: 'RISK_ENTRY: the entry right after the change.' })
  riskEntry(@Root() node: ChangeNode) {
    return node.topic === ChangeTopic.RISK_ENTRY ? toRiskEntryNode(riskEntryRowFromPayload(node.payload)) : null;
  }
}
