/** Assembles the GraphQL schema from every module's resolvers; schema/schema.graphql is its printed form. */
import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { CaseProgressResolver } from '../modules/cases/case-progress.resolver';
import { CaseResolver, EnterpriseCasesResolver } from '../modules/cases/case.resolver';
import { EnterpriseResolver } from '../modules/enterprises/enterprise.resolver';
import { EnterpriseRiskEntriesResolver, RiskEntryResolver } from '../modules/risk-lists/risk-entry.resolver';
import { RiskPublicationResolver } from '../modules/risk-lists/risk-publication.resolver';
import { CredentialResolver } from '../modules/units/credential.resolver';
import { UnitResolver } from '../modules/units/unit.resolver';

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
] as const;

let built: Promise<GraphQLSchema> | undefined;

/** The schema, built once per process (building is pure). */
export function hubSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers, validate: false });
  return built;
}

/** The SDL committed as schema/schema.graphql. */
export async function printHubSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await hubSchema())) + '\n';
}
