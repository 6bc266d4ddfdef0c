/** Assembles the GraphQL schema from every module's resolvers; schema/schema.graphql is its printed form. */
import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { ChangeResolver } from '../feed/change.resolver';
import { AnalyticsResolver, BulletinResolver, SubmissionStatusResolver } from '../modules/analytics/analytics.resolver';
import { AuditTrailResolver } from '../modules/audit-trail/audit-trail.resolver';
import { CaseProgressResolver } from '../modules/cases/case-progress.resolver';
import { CaseResolver, EnterpriseCasesResolver } from '../modules/cases/case.resolver';
import { EnterpriseResolver } from '../modules/enterprises/enterprise.resolver';
import { EnterpriseRiskEntriesResolver, RiskEntryResolver } from '../modules/risk-lists/risk-entry.resolver';
import { compileRiskEntries } from '../modules/risk-lists/risk-entry.compiled';
import { RiskPublicationResolver } from '../modules/risk-lists/risk-publication.resolver';
import { CredentialResolver } from '../modules/units/credential.resolver';
import { UnitResolver } from '../modules/units/unit.resolver';
import type { RootCompiler } from './compiled-reads';
// Each module's view of a change (fields of Change), in the order of their fields in the schema.
import { ChangeActingUnitResolver } from '../modules/units/unit-change.resolver';
import { ChangeRiskEntryResolver } from '../modules/risk-lists/risk-entry-change.resolver';
import { ChangeCaseResolver } from '../modules/cases/case-change.resolver';
import { countResolvedObjects } from './resolved-objects';

export const resolvers = [
  UnitResolver,
  CredentialResolver,
  EnterpriseResolver,
  EnterpriseRiskEntriesResolver,
  RiskEntryResolver,
  RiskPublicationResolver,
  CaseResolver,
  EnterpriseCasesResolver,
  CaseProgressResolver,
  ChangeResolver,
  ChangeActingUnitResolver,
  ChangeRiskEntryResolver,
  ChangeCaseResolver,
  AnalyticsResolver,
  SubmissionStatusResolver,
  AuditTrailResolver,
  BulletinResolver,
] as const;

/** Root query fields answered by one SQL statement when the selection allows (compiled-reads.ts); the resolvers answer the rest. */
export const compiledRoots: Readonly<Record<string, RootCompiler>> = {
  riskEntries: compileRiskEntries,
};

/**
 * type-graphql insists on a PubSub whenever the schema has a subscription; the change feed's subscription brings
 * its own `subscribe` (src/feed), so topics are never used and this one refuses loudly.
 */
const NO_TOPICS: PubSub = {
  publish: () => {
    throw new Error('the hub has no pub/sub topics: changes reach subscribers through the change log (src/feed)');
  },
  subscribe: () => {
    throw new Error('the hub has no pub/sub topics: changes reach subscribers through the change log (src/feed)');
  },
};

let built: Promise<GraphQLSchema> | undefined;

/** The schema, built once per process (building is pure), its object and list fields counting what they resolve. */
export function hubSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers, validate: false, pubSub: NO_TOPICS }).then(countResolvedObjects);
  return built;
}

/** The SDL committed as schema/schema.graphql. */
export async function printHubSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await hubSchema())) + '\n';
}
