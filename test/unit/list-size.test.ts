/**
 * Every list field of the schema has a known length (issue 10, item 1): a list of objects declares its size
 * (list-size.ts), so the cost estimate counts the real bound; and the estimate itself: sizes asked for, defaults,
 * bounds, mutations estimated without their input, a document too large to estimate refused.
 */
import 'reflect-metadata';
import { getNamedType, getNullableType, isCompositeType, isListType, isObjectType, parse, type GraphQLSchema } from 'graphql';
import { costError, operationCost } from '../../src/graphql/cost';
import { LIST_SIZE, nestedListLength, type ListSize } from '../../src/graphql/list-size';
import { hubSchema } from '../../src/graphql/schema';
import { ALLOWED_MOVES_MAX, allowedMoves, CaseProcedure, CaseStage, STAGE_HISTORY_MAX } from '../../src/modules/cases/case-stage';

const limits = { maxCost: 20_000, maxPageSize: 500, maxNestedList: 100 };
let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await hubSchema();
});

/** Every field of an object type whose type is a list, as `Type.field`, with what it declares. */
function listFields(): { name: string; ofObjects: boolean; size?: ListSize; args: string[] }[] {
  return Object.values(schema.getTypeMap())
    .filter((type) => isObjectType(type) && !type.name.startsWith('__'))
    .flatMap((type) =>
      Object.values((type as import('graphql').GraphQLObjectType).getFields())
        .filter((field) => isListType(getNullableType(field.type)))
        .map((field) => ({
          name: `${type.name}.${field.name}`,
          ofObjects: isCompositeType(getNamedType(field.type)),
          size: field.extensions?.[LIST_SIZE] as ListSize | undefined,
          args: field.args.map((arg) => `${arg.name}: ${arg.type}`),
        })),
    );
}

describe('the list fields of the schema', () => {
  it('each list of objects declares its size; one cut at first/last takes that argument as an optional Int', () => {
    const objects = listFields().filter((field) => field.ofObjects);
    expect(objects.filter((field) => !field.size).map((field) => field.name)).toEqual([]);
    for (const field of objects.filter((field) => field.size && 'argument' in field.size)) {
      expect([field.name, field.args]).toEqual([field.name, expect.arrayContaining([`${(field.size as { argument: string }).argument}: Int`])]);
    }
  });

  it('the lists cut at a size asked for, each beside a count, and the lists with a fixed bound, are the ones decided', () => {
    const sized = (kind: 'argument' | 'bound') =>
      listFields()
        .filter((field) => field.size && kind in field.size)
        .map((field) => field.name)
        .sort();
    expect(sized('argument')).toEqual([
      'Bulletin.casesRegistered',
      'Bulletin.enterprisesOnSeveralLists',
      'Case.debtorRiskEntries',
      'Case.progress',
      'Enterprise.cases',
      'Enterprise.riskEntries',
      'Query.credentials',
      'RiskEntry.history',
      'RiskPublication.rejected',
    ]);
    const fields = (type: string) => Object.keys((schema.getType(type) as import('graphql').GraphQLObjectType).getFields());
    expect(fields('Case')).toEqual(expect.arrayContaining(['progressCount', 'debtorRiskEntryCount']));
    expect(fields('Enterprise')).toEqual(expect.arrayContaining(['caseCount', 'riskEntryCount']));
    expect(fields('RiskEntry')).toContain('historyCount');
    expect(fields('RiskPublication')).toContain('rejectedCount');
    expect(fields('Bulletin')).toEqual(expect.arrayContaining(['casesRegisteredCount', 'enterprisesOnSeveralListsCount']));
    expect(sized('bound')).toEqual([
      'AuditRecordConnection.edges',
      'Bulletin.casesEnded',
      'Bulletin.entriesAdded',
      'Bulletin.entriesWithdrawn',
      'Bulletin.progress',
      'Bulletin.stageMoves',
      'Case.allowedNextStages',
      'Case.stageHistory',
      'CaseConnection.edges',
      'ChangeConnection.edges',
      'EnterpriseConnection.edges',
      'Mutation.withdrawRiskEntries',
      'PublishRiskListPayload.rejected',
      'Query.caseStats',
      'Query.riskStats',
      'Query.submissionStatus',
      'RiskEntryConnection.edges',
      'RiskPublicationConnection.edges',
      'UnitConnection.edges',
    ]);
  });

  it('the lists of scalars and enum values are these (they select nothing below them)', () => {
    expect(
      listFields()
        .filter((field) => !field.ofObjects)
        .map((field) => field.name)
        .sort(),
    ).toEqual([
      'BulletinEnterprise.units',
      'Case.caseNumbers',
      'Case.sharedWithKinds',
      'Case.sharedWithUnits',
      'CaseProgress.addressedTo',
      'Credential.roles',
      'Me.roles',
      'RiskEntry.categories',
      'RiskEntry.sharedWithKinds',
      'RiskEntry.sharedWithUnits',
      'RiskEntryVersion.categories',
    ]);
  });

  it("the stage table bounds a case's history and its allowed moves", () => {
    // A liquidation from its application to its end, the longest way the table allows, is within the bound.
    expect(STAGE_HISTORY_MAX).toBeGreaterThanOrEqual(1 + 7);
    for (const procedure of Object.values(CaseProcedure)) {
      for (const stage of Object.values(CaseStage)) expect(allowedMoves(procedure, stage).length).toBeLessThanOrEqual(ALLOWED_MOVES_MAX);
    }
  });
});

describe('the size of a nested list', () => {
  it('is MAX_NESTED_LIST when not given, the size asked for otherwise; 0 is BAD_USER_INPUT, more than MAX_NESTED_LIST LIMIT_EXCEEDED', () => {
    expect(nestedListLength(undefined, 100)).toBe(100);
    expect(nestedListLength(null, 100)).toBe(100);
    expect(nestedListLength(7, 100, 'last')).toBe(7);
    expect(() => nestedListLength(0, 100, 'last')).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'last', rule: 'min' } }),
    );
    expect(() => nestedListLength(101, 100)).toThrow(
      expect.objectContaining({ extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_NESTED_LIST', value: 100 } }),
    );
  });
});

describe('the cost estimate', () => {
  const cost = (query: string, variables: Record<string, unknown> = {}, given = limits) =>
    operationCost(schema, parse(query), undefined, variables, given);

  it('counts a nested list at MAX_NESTED_LIST unless a smaller size is asked for: the attack of issue 10 costs over a million', () => {
    expect(cost('{ case(id: "x") { progress { id } } }')).toBe(1 + 100);
    expect(cost('{ case(id: "x") { progress(last: 5) { id } } }')).toBe(1 + 5);
    expect(cost('query($n: Int) { case(id: "x") { progress(last: $n) { id } } }', { n: 3 })).toBe(1 + 3);
    // More than MAX_NESTED_LIST is refused when the field runs: the estimate counts at most the limit.
    expect(cost('{ case(id: "x") { progress(last: 1000) { id } } }')).toBe(1 + 100);
    expect(cost('{ case(id: "x") { progress { id case { progress { id case { progress { id } } } } } } }')).toBe(1_020_201);
    expect(cost('{ case(id: "x") { progress { id } } }', {}, { ...limits, maxNestedList: 10 })).toBe(1 + 10);
  });

  it('counts a page at its first (50 when not given), a bounded list at its bound, introspection at one per field', () => {
    expect(cost('{ riskEntries(first: 50) { edges { node { enterprise { name } } } } }')).toBe(50 * (1 + 1 + 1 + 1));
    expect(cost('{ riskEntries { edges { node { id } } } }')).toBe(50 * (1 + 1 + 1));
    expect(cost('{ case(id: "x") { stageHistory { toStage } allowedNextStages { label } } }')).toBe(1 + STAGE_HISTORY_MAX + ALLOWED_MOVES_MAX);
    expect(cost('{ riskStats(groupBy: [LIST_TYPE]) { entries } }')).toBe(500);
    expect(cost('{ __schema { types { name fields { name type { name } } } } }')).toBeLessThan(10);
  });

  it("estimates a mutation's selection with the variables of its nested fields only, never its input", () => {
    // An input that cannot even be looked at: coercing it would throw.
    const untouchable = new Proxy(
      {},
      {
        get: () => {
          throw new Error('the estimate read the input');
        },
        ownKeys: () => {
          throw new Error('the estimate read the input');
        },
      },
    );
    const mutation = `mutation($input: PublishRiskListInput!, $n: Int) { publishRiskList(input: $input) { rejected { index } publication { rejected(first: $n) { index } } } }`;
    expect(cost(mutation, { input: untouchable, n: 7 })).toBe(1 + 1 + 1 + 7);
    expect(cost(mutation, { input: untouchable })).toBe(1 + 1 + 1 + 100);
    // A PUBLISH key nesting the attack under its write is estimated as the query would be.
    const nested =
      'mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { progress { case { progress { case { progress { case { progress { id } } } } } } } } }';
    expect(cost(nested, { input: untouchable })).toBeGreaterThan(limits.maxCost);
    expect(costError(schema, parse(nested), undefined, { input: untouchable }, limits)?.extensions).toEqual({
      code: 'LIMIT_EXCEEDED',
      limit: 'MAX_QUERY_COST',
      value: 20_000,
    });
    // withdrawRiskEntries answers one entry per id, at most MAX_PAGE_SIZE of them.
    expect(cost('mutation { withdrawRiskEntries(input: { ids: ["a"], reason: "r" }) { id publisher { code } } }')).toBe(500 * 2);
  });

  it('refuses a document it cannot estimate (more than 10,000 selections), lets variables that do not coerce reach execution', () => {
    const padded = `{ case(id: "x") { ${'__typename '.repeat(10_001)} progress { id } } }`;
    expect(costError(schema, parse(padded), undefined, {}, limits)?.extensions).toEqual({
      code: 'LIMIT_EXCEEDED',
      limit: 'MAX_QUERY_COST',
      value: 20_000,
    });
    expect(costError(schema, parse('query($n: Int) { case(id: "x") { progress(last: $n) { id } } }'), undefined, { n: 'many' }, limits)).toBeNull();
  });
});
