import { FieldResolver, Resolver, Root } from 'type-graphql';
import { ChangeTopic } from '../../change-log/change-log';
import { ChangeNode } from '../../feed/change.types';
import { caseRowFromPayload, progressRowFromPayload } from './case.sql';
import { CaseNode, CaseProgressNode, toCaseNode, toProgressNode } from './case.types';

/** The case ledger's view of a change: a CASE or CASE_PROGRESS change's payload decoded into the case and the entry. */
@Resolver(() => ChangeNode)
export class ChangeCaseResolver {
  @FieldResolver(() => CaseNode, { nullable: true, name: 'case', description: 'CASE and CASE_PROGRESS: the case right after the change.' })
  caseAfter(@Root() node: ChangeNode) {
    if (node.topic === ChangeTopic.CASE) return toCaseNode(caseRowFromPayload(node.payload));
    if (node.topic === ChangeTopic.CASE_PROGRESS) return toCaseNode(caseRowFromPayload(node.payload.case as Record<string, unknown>));
    return null;
  }

  @FieldResolver(() => CaseProgressNode, { nullable: true, description: 'CASE_PROGRESS: the progress entry added.' })
  progress(@Root() node: ChangeNode) {
    return node.topic === ChangeTopic.CASE_PROGRESS ? toProgressNode(progressRowFromPayload(node.payload.progress as Record<string, unknown>)) : null;
  }
}
