/**
 * Limits that keep ad-hoc queries safe, the same over HTTP and WebSocket (issue 6). Each refusal is an error
 * coded LIMIT_EXCEEDED naming the limit and its configured value:
 * - MAX_QUERY_DEPTH: nesting of fields (graphql-armor's max-depth rule; introspection's `__schema` not counted);
 * - MAX_ALIASES: aliases in one document (graphql-armor's max-aliases rule);
 * - MAX_ROOT_FIELDS: fields at the root of one operation (many root fields are many queries in one);
 * - MAX_QUERY_COST: the estimated cost of a query or subscription (graphql-query-complexity): a field's own `complexity` where its resolver
 *   declares one (type-graphql's `@FieldResolver({ complexity })`, for lists without a page size), otherwise
 *   {@link costEstimator}: every object a field resolves costs one, times the `first` (or `last`) of its list, so
 *   a page of 500 entries with their enterprise costs about 1,000;
 * - MAX_PAGE_SIZE and BODY_LIMIT are checked where pages and bodies are read (connection.ts, the HTTP body
 *   parser, the WebSocket subscribe message).
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { getNamedType, getOperationAST, isLeafType, Kind, OperationTypeNode, type DocumentNode, type GraphQLSchema, type ValidationContext, type ValidationRule } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from './connection';
import { limitExceeded, type HubError } from './errors';
import { trustedDocumentsRule } from './trusted-documents';

/** The configured limits. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
  /** MAX_PAGE_SIZE: a larger `first` is refused with that limit's own error, so the cost counts at most this. */
  maxPageSize: number;
  /** TRUSTED_DOCUMENTS: only these documents run; null: any (trusted-documents.ts). */
  trustedDocuments?: ReadonlySet<string> | null;
}

/** The validation rules of the limits that the document alone decides (trusted documents, depth, aliases, root fields). */
export function limitRules(limits: QueryLimits): ValidationRule[] {
  const report = (limit: string, value: number, what: string) => (context: ValidationContext | null, error: Error) =>
    context?.reportError(limitExceeded(`${what} (${limit} is ${value}): ${error.message.replace(/^Syntax Error: /, '')}`, limit, value));
  return [
    ...(limits.trustedDocuments ? [trustedDocumentsRule(limits.trustedDocuments)] : []),
    maxDepthRule({ n: limits.maxDepth, propagateOnRejection: false, onReject: [report('MAX_QUERY_DEPTH', limits.maxDepth, 'the query is nested too deep')] }),
    maxAliasesRule({ n: limits.maxAliases, propagateOnRejection: false, onReject: [report('MAX_ALIASES', limits.maxAliases, 'the query has too many aliases')] }),
    rootFieldsRule(limits.maxRootFields),
  ];
}

/** At most `max` fields at the root of each operation (fragments spread there counted by their fields). */
function rootFieldsRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      let count = 0;
      const visit = (selections: readonly (typeof operation.selectionSet.selections)[number][], seen: Set<string>) => {
        for (const selection of selections) {
          if (selection.kind === Kind.FIELD) count += selection.name.value === '__typename' ? 0 : 1;
          else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet.selections, seen);
          else if (!seen.has(selection.name.value)) {
            seen.add(selection.name.value);
            const fragment = context.getFragment(selection.name.value);
            if (fragment) visit(fragment.selectionSet.selections, seen);
          }
        }
      };
      visit(operation.selectionSet.selections, new Set());
      if (count > max) {
        context.reportError(limitExceeded(`the operation has ${count} root fields, at most ${max} are allowed (MAX_ROOT_FIELDS)`, 'MAX_ROOT_FIELDS', max));
      }
    },
  });
}

/**
 * The cost of a field: nothing for a scalar or enum; one for each object it resolves, plus what is selected in
 * it, times the page size for a list field with `first` or `last` (DEFAULT_PAGE_SIZE when the argument exists but
 * is not given; at most `maxPageSize`, since a larger page is refused on its own).
 */
export function costEstimator(maxPageSize: number): ComplexityEstimator {
  return ({ field, args, childComplexity }) => {
    if (isLeafType(getNamedType(field.type))) return 0;
    const paged = field.args.some((arg) => arg.name === 'first' || arg.name === 'last');
    const asked = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : paged ? DEFAULT_PAGE_SIZE : 1;
    return Math.min(Math.max(asked, 0), maxPageSize) * (1 + childComplexity);
  };
}

/** The cost of a list field without a page size, at `typical` items: for `@FieldResolver({ complexity })`. */
export function listCost(typical: number): (args: { childComplexity: number }) => number {
  return ({ childComplexity }) => typical * (1 + childComplexity);
}

/**
 * The estimated cost of an operation with its variables; LIMIT_EXCEEDED when it is over `maxCost`. Returns null when
 * the cost cannot be estimated (variables that do not coerce: execution refuses those with its own error).
 */
export function costError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
): HubError | null {
  // A mutation's cost is its writes, bounded by the services' own rules; estimating it would coerce its variables a
  // second time (a 100,000-entry publication), costing a second and hundreds of MB for nothing.
  if (getOperationAST(document, operationName)?.operation === OperationTypeNode.MUTATION) return null;
  let cost: number;
  try {
    cost = getComplexity({ schema, query: document, operationName: operationName ?? undefined, variables: variables ?? {}, estimators: [fieldExtensionsEstimator(), costEstimator(limits.maxPageSize)] });
  } catch {
    return null;
  }
  if (cost <= limits.maxCost) return null;
  return limitExceeded(`the query would cost ${cost}, at most ${limits.maxCost} is allowed (MAX_QUERY_COST); ask for smaller pages or fewer nested lists`, 'MAX_QUERY_COST', limits.maxCost);
}
