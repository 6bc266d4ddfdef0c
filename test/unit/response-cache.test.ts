/**
 * What the response cache may hold (src/graphql/response-cache.ts): which operations it caches, and every field
 * reachable from a cacheable root field. A field added there must be one whose value depends only on the data
 * and the credential (not on the clock, the request or anything outside the database): review it, then add it
 * to APPROVED. Otherwise leave its root field out of CACHEABLE_ROOT_FIELDS.
 */
import 'reflect-metadata';
import type { GraphQLRequestContext } from '@apollo/server';
import { getNamedType, isInterfaceType, isObjectType, parse, type GraphQLNamedType, type OperationDefinitionNode } from 'graphql';
import { Principal } from '../../src/access/principal';
import { Role } from '../../src/access/roles';
import type { HubContext } from '../../src/graphql/context';
import { CACHEABLE_ROOT_FIELDS, cacheable } from '../../src/graphql/response-cache';
import { hubSchema } from '../../src/graphql/schema';
import { UnitKind } from '../../src/access/unit-kind';

const APPROVED: Record<string, string[]> = {
  Case: [
    'acceptedOn',
    'administrator',
    'allowedNextStages',
    'appliedOn',
    'assets',
    'caseNumber',
    'caseNumbers',
    'classification',
    'court',
    'creditors',
    'debtor',
    'debtorName',
    'debtorRiskEntries',
    'debtorRiskEntryCount',
    'debts',
    'employeesAffected',
    'handlingPlan',
    'id',
    'major',
    'petitionRisk',
    'procedure',
    'progress',
    'progressCount',
    'publicOpinionRisk',
    'regionCode',
    'registeredAt',
    'riskLevel',
    'sensitive',
    'sharedWithKinds',
    'sharedWithUnits',
    'socialStabilityRisk',
    'stage',
    'stageHistory',
    'stageOn',
    'updatedAt',
    'version',
    'wagesOwed',
  ],
  CaseConnection: ['edges', 'pageInfo', 'totalCount'],
  CaseEdge: ['cursor', 'node'],
  CaseProgress: [
    'addressedTo',
    'amount',
    'assetType',
    'case',
    'claimType',
    'details',
    'id',
    'inReplyTo',
    'kind',
    'occurredOn',
    'recordedAt',
    'riskLevel',
    'summary',
    'unit',
  ],
  CaseStageChange: ['fromProcedure', 'fromStage', 'note', 'occurredAt', 'on', 'toProcedure', 'toStage', 'version'],
  CaseStageMove: ['converts', 'label', 'procedure', 'stage'],
  Enterprise: [
    'caseCount',
    'cases',
    'contactPhone',
    'createdAt',
    'industry',
    'legalRepresentative',
    'legalRepresentativeIdNumber',
    'name',
    'personalDataMasked',
    'regionCode',
    'riskEntries',
    'riskEntryCount',
    'updatedAt',
    'uscc',
  ],
  EnterpriseConnection: ['edges', 'pageInfo', 'totalCount'],
  EnterpriseEdge: ['cursor', 'node'],
  PageInfo: ['endCursor', 'hasNextPage'],
  RejectedRow: ['field', 'index', 'message', 'uscc'],
  RiskEntry: [
    'amount',
    'categories',
    'classification',
    'details',
    'effectiveDate',
    'enterprise',
    'enterpriseName',
    'firstPublishedAt',
    'history',
    'historyCount',
    'id',
    'listType',
    'period',
    'publishedAt',
    'publisher',
    'regionCode',
    'remarks',
    'riskLevel',
    'sharedWithKinds',
    'sharedWithUnits',
    'status',
    'uscc',
    'version',
    'withdrawalReason',
    'withdrawnAt',
  ],
  RiskEntryConnection: ['edges', 'pageInfo', 'totalCount'],
  RiskEntryEdge: ['cursor', 'node'],
  RiskEntryVersion: [
    'amount',
    'categories',
    'classification',
    'details',
    'effectiveDate',
    'enterpriseName',
    'period',
    'publishedAt',
    'regionCode',
    'remarks',
    'riskLevel',
    'supersededAt',
    'version',
  ],
  RiskPublication: [
    'actingUnit',
    'added',
    'entryCount',
    'id',
    'idempotencyKey',
    'listType',
    'mode',
    'period',
    'publishedAt',
    'publisher',
    'rejected',
    'rejectedCount',
    'unchanged',
    'updated',
    'withdrawn',
  ],
  RiskPublicationConnection: ['edges', 'pageInfo', 'totalCount'],
  RiskPublicationEdge: ['cursor', 'node'],
  Unit: ['active', 'code', 'courtCode', 'createdAt', 'id', 'isOffice', 'kind', 'name', 'regionCode', 'updatedAt'],
  UnitConnection: ['edges', 'pageInfo', 'totalCount'],
  UnitEdge: ['cursor', 'node'],
};

describe('fields reachable from the cacheable root fields', () => {
  it('are exactly the reviewed ones', async () => {
    const schema = await hubSchema();
    const reachable: Record<string, string[]> = {};
    const visit = (type: GraphQLNamedType) => {
      if (!(isObjectType(type) || isInterfaceType(type)) || reachable[type.name]) return;
      const fields = type.getFields();
      reachable[type.name] = Object.keys(fields).sort();
      for (const field of Object.values(fields)) visit(getNamedType(field.type));
    };
    const query = schema.getQueryType()!.getFields();
    for (const name of CACHEABLE_ROOT_FIELDS) visit(getNamedType(query[name].type));
    expect(reachable).toEqual(APPROVED);
  });
});

describe('cacheable', () => {
  const unit = {
    id: '00000000-0000-4000-8000-000000000001',
    code: 'YC-TAX',
    name: '税务局',
    kind: UnitKind.TAX,
    regionCode: '140800',
    isOffice: false,
  };
  const caller = new Principal(unit, [Role.READ], '00000000-0000-4000-8000-000000000002');
  const request = (
    document: string,
    context: { callerOrNull: Principal | null; snapshot: string | null } = { callerOrNull: caller, snapshot: '1:1:' },
  ) =>
    ({
      contextValue: context as HubContext,
      operation: parse(document).definitions[0] as OperationDefinitionNode,
    }) as GraphQLRequestContext<HubContext>;

  it('takes a query of cacheable root fields, aliases and __typename included', () => {
    expect(cacheable(request(`{ riskEntries(first: 1) { totalCount } }`))).toBe(true);
    expect(cacheable(request(`query Q { a: units { totalCount } b: enterprises { totalCount } __typename }`))).toBe(true);
  });

  it.each([
    ['a root field that depends on the clock', `{ me { roles } }`],
    ['a mix with such a field', `{ me { roles } riskEntries { totalCount } }`],
    ['a fragment at the root', `{ ...F } fragment F on Query { riskEntries { totalCount } }`],
    ['an inline fragment at the root', `{ ... on Query { riskEntries { totalCount } } }`],
    ['introspection', `{ __schema { queryType { name } } }`],
    ['a mutation', `mutation { revokeCredential(id: "x") { id } }`],
  ])('refuses %s', (_, document) => {
    expect(cacheable(request(document))).toBe(false);
  });

  it('refuses a request without a caller, without a credential (the command line) or without a snapshot', () => {
    const document = `{ units { totalCount } }`;
    expect(cacheable(request(document, { callerOrNull: null, snapshot: '1:1:' }))).toBe(false);
    expect(cacheable(request(document, { callerOrNull: Principal.commandLine(unit), snapshot: '1:1:' }))).toBe(false);
    expect(cacheable(request(document, { callerOrNull: caller, snapshot: null }))).toBe(false);
  });
});
