/**
 * The estimated cost of one operation (MAX_QUERY_COST), an upper bound of the objects it can resolve: every object a
 * field resolves costs one, plus what is selected in it, times the length its list can have (list-size.ts). A query
 * or subscription is estimated with its variables; a mutation with only the variables that its root fields' selections
 * and directives use (a nested `first` or `last`): the root fields' own arguments — a publication's 100,000-row
 * `input` — are never read, since graphql-query-complexity would coerce every variable it is given (seconds and
 * hundreds of MB for a large publication) and a write's own size is bounded by the body and the services' rules.
 */
import {
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  GraphQLObjectType,
  GraphQLSchema,
  isLeafType,
  isListType,
  Kind,
  OperationTypeNode,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from '../db/keyset';
import { limitExceeded, type HubError } from '../errors';
import { LIST_SIZE, type ListSize } from './list-size';

/** The limits the estimate reads. */
export interface CostLimits {
  maxCost: number;
  maxPageSize: number;
  maxNestedList: number;
}

/** The variables of an operation did not coerce: execution refuses them with its own error. */
class VariablesRefused extends Error {}

/**
 * The cost of a field: nothing for a scalar or enum (or a list of them); otherwise the length its list can have
 * ({@link listLength}; 1 for a single object) times one plus what is selected in it.
 */
export function costEstimator(limits: Pick<CostLimits, 'maxPageSize' | 'maxNestedList'>): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    if (isLeafType(getNamedType(field.type))) return 0;
    return listLength(type, field, args, limits) * (1 + childComplexity);
  };
}

/**
 * How many objects a field can resolve for one parent: what its list declares (list-size.ts), the page asked for
 * on a connection (DEFAULT_PAGE_SIZE when not given, at most MAX_PAGE_SIZE: a larger page is refused), 1 for a
 * single object. A list that declares nothing counts MAX_PAGE_SIZE (a unit test keeps the schema free of them).
 */
export function listLength(
  parent: GraphQLCompositeType,
  field: GraphQLField<unknown, unknown>,
  args: Record<string, unknown>,
  limits: Pick<CostLimits, 'maxPageSize' | 'maxNestedList'>,
): number {
  // Introspection answers are bounded by the schema itself.
  if (parent.name.startsWith('__') || field.name.startsWith('__')) return 1;
  const clamp = (asked: unknown, fallback: number, max: number) => Math.min(Math.max(typeof asked === 'number' ? asked : fallback, 0), max);
  const declared = field.extensions?.[LIST_SIZE] as ListSize | undefined;
  if (declared && 'bound' in declared) {
    if (typeof declared.bound === 'number') return declared.bound;
    return declared.bound === 'MAX_PAGE_SIZE' ? limits.maxPageSize : limits.maxNestedList;
  }
  // A larger size is refused when the field runs (MAX_NESTED_LIST), so the estimate counts at most the limit.
  if (declared) return clamp(args[declared.argument], limits.maxNestedList, limits.maxNestedList);
  if (field.args.some((arg) => arg.name === 'first' || arg.name === 'last'))
    return clamp(args.first ?? args.last, DEFAULT_PAGE_SIZE, limits.maxPageSize);
  return isListType(getNullableType(field.type)) ? limits.maxPageSize : 1;
}

/**
 * The estimated cost of an operation with its variables. Throws {@link VariablesRefused} when the variables it reads
 * do not coerce, and the estimate's own error when it cannot be made (e.g. more than 10,000 selections).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: Pick<CostLimits, 'maxPageSize' | 'maxNestedList'>,
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) throw new VariablesRefused('no such operation');
  const given = variables ?? {};
  let estimated = { schema, document, variables: given };
  if (operation.operation === OperationTypeNode.MUTATION) {
    // Only the variables below the root fields, and a schema whose mutation fields take no arguments: their
    // arguments are never read (see above), and none of them sizes a list.
    const read = variablesBelowRootFields(operation, document);
    const definitions = (operation.variableDefinitions ?? []).filter((definition) => read.has(definition.variable.name.value));
    const narrowed: OperationDefinitionNode = { ...operation, variableDefinitions: definitions };
    estimated = {
      schema: withoutMutationArguments(schema),
      document: { ...document, definitions: document.definitions.map((definition) => (definition === operation ? narrowed : definition)) },
      variables: Object.fromEntries([...read].filter((name) => name in given).map((name) => [name, given[name]])),
    };
  }
  const operationOfEstimate = getOperationAST(estimated.document, operationName)!;
  const coerced = getVariableValues(schema, operationOfEstimate.variableDefinitions ?? [], estimated.variables);
  if (coerced.errors) throw new VariablesRefused(coerced.errors[0].message);
  return getComplexity({
    schema: estimated.schema,
    query: estimated.document,
    operationName: operation.name?.value,
    variables: estimated.variables,
    estimators: [costEstimator(limits)],
  });
}

/**
 * LIMIT_EXCEEDED naming MAX_QUERY_COST when the operation would cost more than `maxCost`, or when its cost cannot be
 * estimated; null when it may run, and when its variables do not coerce (execution refuses those with its own error).
 */
export function costError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: CostLimits,
): HubError | null {
  let cost: number;
  try {
    cost = operationCost(schema, document, operationName, variables, limits);
  } catch (error) {
    if (error instanceof VariablesRefused) return null;
    return limitExceeded(
      `the operation's cost cannot be estimated (${(error as Error).message}), so it is refused (MAX_QUERY_COST)`,
      'MAX_QUERY_COST',
      limits.maxCost,
    );
  }
  if (cost <= limits.maxCost) return null;
  return limitExceeded(
    `the operation would cost ${cost}, at most ${limits.maxCost} is allowed (MAX_QUERY_COST); ask for smaller pages (first) and shorter nested lists (first, last), or fewer of them`,
    'MAX_QUERY_COST',
    limits.maxCost,
  );
}

/** The names of the variables used below a mutation's root fields (their selections and directives, fragments included). */
function variablesBelowRootFields(operation: OperationDefinitionNode, document: DocumentNode): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const collect = (node: Parameters<typeof visit>[0]) =>
    visit(node, {
      Variable: (variable) => void names.add(variable.name.value),
      FragmentSpread: (spread) => {
        const fragment = fragmentNamed(document, spread.name.value);
        if (fragment && !seen.has(fragment.name.value)) {
          seen.add(fragment.name.value);
          collect(fragment);
        }
      },
    });
  const roots = (selections: readonly SelectionNode[]) => {
    for (const selection of selections) {
      for (const directive of selection.directives ?? []) collect(directive);
      if (selection.kind === Kind.FIELD) {
        if (selection.selectionSet) collect(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) roots(selection.selectionSet.selections);
      else {
        const fragment = fragmentNamed(document, selection.name.value);
        if (fragment && !seen.has(fragment.name.value)) {
          seen.add(fragment.name.value);
          roots(fragment.selectionSet.selections);
        }
      }
    }
  };
  roots(operation.selectionSet.selections);
  return names;
}

function fragmentNamed(document: DocumentNode, name: string): FragmentDefinitionNode | undefined {
  return document.definitions.find(
    (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === name,
  );
}

const bareMutations = new WeakMap<GraphQLSchema, GraphQLSchema>();

/** `schema` with the same types, except that the mutation type's fields declare no arguments (made once per schema). */
function withoutMutationArguments(schema: GraphQLSchema): GraphQLSchema {
  let bare = bareMutations.get(schema);
  if (bare) return bare;
  const mutation = schema.getMutationType()!;
  const { fields, ...mutationConfig } = mutation.toConfig();
  const argumentless = new GraphQLObjectType({
    ...mutationConfig,
    fields: Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, { ...field, args: {} }])),
  });
  const config = schema.toConfig();
  bare = new GraphQLSchema({ ...config, mutation: argumentless, types: config.types.map((type) => (type === mutation ? argumentless : type)) });
  bareMutations.set(schema, bare);
  return bare;
}
