/**
 * Reads compiled to SQL (issue 11): a query whose every root field has a compiler is answered by that compiler —
 * one statement per root field, PostgreSQL building each object's JSON — instead of by field-by-field execution.
 * The invariant: a compiled answer is the answer ordinary execution gives for the same request, value for value
 * (the integration suite runs both ways, COMPILED_READS=false forcing the ordinary one). So a compiler covers
 * only what it can answer exactly and declines everything else (returns null) — a selection it does not know,
 * a field with arguments it does not read, `@include`/`@skip`, a response key selected twice, an error of any
 * kind (a refused caller, a bad cursor, a failing database) — and the request then runs as it always did, which
 * gives the error its path and its masking. Parsing, validation, the limits (depth, aliases, root fields, cost),
 * trusted documents and the request log run before this plugin (Apollo's pipeline) and are not skipped; a
 * compiled answer is counted against MAX_RESOLVED_OBJECTS as execution would count it, and declined when over.
 * Answers that carry unmasked personal data are never compiled (their audit record is written by execution).
 */
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext } from '@apollo/server';
import {
  getArgumentValues,
  getNamedType,
  getVariableValues,
  getNullableType,
  isListType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type SelectionSetNode,
} from 'graphql';

import type { HubContext } from './context';

/** A field of the selection, its fragments resolved: its response key, its name, and what is selected under it. */
export interface Selected {
  key: string;
  name: string;
  /** Whether the field has arguments as written (compilers decline fields whose arguments they do not read). */
  hasArguments: boolean;
  /** `object` and `list` fields count against MAX_RESOLVED_OBJECTS (resolved-objects.ts), `leaf` fields do not. */
  kind: 'leaf' | 'object' | 'list';
  /** The fields selected under an object (or a list of objects); empty for a leaf. */
  fields: Selected[];
}

/** What a root field's compiler is given. */
export interface CompileRequest {
  context: HubContext;
  /** The field's arguments, coerced as execution would coerce them. */
  args: Record<string, unknown>;
  field: Selected;
}

/** Answers one root field with its value, or declines with null. */
export type RootCompiler = (request: CompileRequest) => Promise<unknown | null>;

/** The plugin: compiled answers for the root fields of `compilers`; `enabled` false runs everything as usual. */
export function compiledReadsPlugin(compilers: Readonly<Record<string, RootCompiler>>, enabled: boolean): ApolloServerPlugin<HubContext> {
  return {
    async requestDidStart() {
      if (!enabled) return {};
      return {
        async responseForOperation(request) {
          const data = await compiledAnswer(request, compilers).catch(() => null);
          if (!data) return null;
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data } } };
        },
      };
    },
  };
}

async function compiledAnswer(request: GraphQLRequestContext<HubContext>, compilers: Readonly<Record<string, RootCompiler>>) {
  const { operation, document, schema, contextValue } = request;
  if (!operation || !document || operation.operation !== 'query') return null;
  const queryType = schema.getQueryType()!;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.request.variables ?? {});
  if (coerced.errors) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  const roots: { node: FieldNode; selected: Selected }[] = [];
  if (!collect(queryType, operation.selectionSet, fragments, (node, selected) => roots.push({ node, selected }))) return null;
  const data: Record<string, unknown> = {};
  let resolved = 0;
  for (const { node, selected } of roots) {
    if (selected.name === '__typename') {
      data[selected.key] = queryType.name;
      continue;
    }
    const compiler = compilers[selected.name];
    const definition = queryType.getFields()[selected.name];
    if (!compiler || !definition) return null;
    const args = getArgumentValues(definition, node, coerced.coerced);
    const value = await compiler({ context: contextValue, args, field: selected });
    if (value === null) return null;
    data[selected.key] = value;
    resolved += countResolved(value, selected);
  }
  if (resolved > contextValue.resolved.limit) return null;
  return data;
}

/**
 * The fields of `selectionSet` on `type`, fragments resolved, each with its own selection; false when something
 * is there that compilers do not take (a directive, a response key twice, a fragment on another type).
 */
function collect(
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  add: (node: FieldNode, selected: Selected) => void,
  keys = new Set<string>(),
): boolean {
  for (const selection of selectionSet.selections) {
    if (selection.directives?.length) return false;
    if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment || fragment.directives?.length) return false;
      if (fragment.typeCondition && fragment.typeCondition.name.value !== type.name) return false;
      if (!collect(type, fragment.selectionSet, fragments, add, keys)) return false;
      continue;
    }
    const key = selection.alias?.value ?? selection.name.value;
    if (keys.has(key)) return false;
    keys.add(key);
    const name = selection.name.value;
    const hasArguments = Boolean(selection.arguments?.length);
    if (name === '__typename') {
      add(selection, { key, name, hasArguments, kind: 'leaf', fields: [] });
      continue;
    }
    const definition = type.getFields()[name];
    if (!definition) return false;
    const nullable = getNullableType(definition.type);
    const named = getNamedType(definition.type);
    const fields: Selected[] = [];
    if (isObjectType(named)) {
      if (!selection.selectionSet || !collect(named, selection.selectionSet, fragments, (_node, field) => fields.push(field))) return false;
    }
    add(selection, { key, name, hasArguments, kind: isListType(nullable) ? 'list' : isObjectType(named) ? 'object' : 'leaf', fields });
  }
  return true;
}

/** What execution would count for `value` of the field `field` (resolved-objects.ts): an object one, a list its items. */
function countResolved(value: unknown, field: Selected): number {
  if (value === null || value === undefined || field.kind === 'leaf') return 0;
  if (field.kind === 'list') {
    const items = value as unknown[];
    return items.length + (field.fields.length ? items.reduce<number>((n, item) => n + countFields(item, field.fields), 0) : 0);
  }
  return 1 + countFields(value, field.fields);
}

function countFields(object: unknown, fields: readonly Selected[]): number {
  if (object === null || typeof object !== 'object') return 0;
  let n = 0;
  for (const field of fields) if (field.kind !== 'leaf') n += countResolved((object as Record<string, unknown>)[field.key], field);
  return n;
}

/** The selected fields of `field` by name when every one is among `known` (and has no arguments), else null. */
export function onlyKnown(field: Selected | undefined, known: ReadonlySet<string>): Selected[] | null {
  if (!field) return null;
  for (const selected of field.fields) if (selected.name !== '__typename' && (!known.has(selected.name) || selected.hasArguments)) return null;
  return field.fields;
}
