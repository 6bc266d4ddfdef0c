/**
 * Limits that keep ad-hoc queries safe, the same over HTTP and WebSocket (issue 6). Each refusal is an error
 * coded LIMIT_EXCEEDED naming the limit and its configured value:
 * - MAX_QUERY_DEPTH: nesting of fields (graphql-armor's max-depth rule; introspection's `__schema` not counted);
 * - MAX_ALIASES: aliases in one document (graphql-armor's max-aliases rule);
 * - MAX_ROOT_FIELDS: fields at the root of one operation (many root fields are many queries in one);
 * - MAX_QUERY_COST: the estimated cost of an operation (graphql-query-complexity with {@link costEstimator}): every
 *   object a field resolves costs one, times the length its list can have: the `first` (or `last`) asked for, or
 *   what the list declares (list-size.ts: MAX_NESTED_LIST for a nested list, a fixed bound otherwise), so the
 *   estimate bounds the real work. A mutation's selection is estimated too, with only the variables its nested
 *   fields use: its root fields' arguments (a publication's `input`) are never read;
 * - MAX_RESOLVED_OBJECTS, the second line behind the estimate, is counted while the operation runs
 *   (resolved-objects.ts);
 * - MAX_PAGE_SIZE and BODY_LIMIT are checked where pages and bodies are read (connection.ts, the HTTP body
 *   parser, the WebSocket subscribe message).
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { Kind, type ValidationContext, type ValidationRule } from 'graphql';
import { limitExceeded } from '../errors';
import { trustedDocumentsRule } from './trusted-documents';
export { costError, costEstimator, operationCost } from './cost';

/** The configured limits. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
  /** MAX_PAGE_SIZE: a larger `first` is refused with that limit's own error, so the cost counts at most this. */
  maxPageSize: number;
  /** MAX_NESTED_LIST: the default and largest `first`/`last` of a nested list (list-size.ts). */
  maxNestedList: number;
  /** TRUSTED_DOCUMENTS: only these documents run; null: any (trusted-documents.ts). */
  trustedDocuments?: ReadonlySet<string> | null;
}

/** The validation rules of the limits that the document alone decides (trusted documents, depth, aliases, root fields). */
export function limitRules(limits: QueryLimits): ValidationRule[] {
  const report = (limit: string, value: number, what: string) => (context: ValidationContext | null, error: Error) =>
    context?.reportError(limitExceeded(`${what} (${limit} is ${value}): ${error.message.replace(/^Syntax Error: /, '')}`, limit, value));
  return [
    ...(limits.trustedDocuments ? [trustedDocumentsRule(limits.trustedDocuments)] : []),
    maxDepthRule({
      n: limits.maxDepth,
      propagateOnRejection: false,
      onReject: [report('MAX_QUERY_DEPTH', limits.maxDepth, 'the query is nested too deep')],
    }),
    maxAliasesRule({
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: [report('MAX_ALIASES', limits.maxAliases, 'the query has too many aliases')],
    }),
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
        context.reportError(
          limitExceeded(`the operation has ${count} root fields, at most ${max} are allowed (MAX_ROOT_FIELDS)`, 'MAX_ROOT_FIELDS', max),
        );
      }
    },
  });
}
