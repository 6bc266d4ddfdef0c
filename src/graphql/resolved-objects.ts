/**
 * MAX_RESOLVED_OBJECTS, the second line behind the cost estimate (issue 10, item 1): every object and every list item
 * one operation resolves is counted — for a subscription, one delivery — and past the limit the operation ends with
 * LIMIT_EXCEEDED instead of running on. The count is taken in one place that sees every resolved value: each field of
 * the schema whose type is an object or a list has its resolver wrapped (scalar fields are left alone: they resolve no
 * object), whatever resolves it — a resolver of ours, the default resolver reading a value that generated SQL made.
 * Once the limit is passed, every further object or list field of the operation is refused before its resolver runs,
 * so nothing more is read: as GraphQL does with any field error, each refused field is null (or nulls its parent)
 * with the error at its own path, over HTTP and WebSocket alike. With the defaults (MAX_QUERY_COST 20,000, an upper
 * bound of the objects a query resolves, against MAX_RESOLVED_OBJECTS 200,000) it fires only where the estimate
 * does not see (the items of scalar lists) or when an operator sets it lower.
 */
import { defaultFieldResolver, getNullableType, isLeafType, isListType, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { limitExceeded, type HubError } from '../errors';

/** What one operation (one delivery of a subscription) has resolved so far. */
export class ResolvedObjects {
  private count = 0;
  private refusal?: HubError;

  constructor(readonly limit: number) {}

  /** Refuses when the limit was passed already (a field of the operation is not to run). */
  check(): void {
    if (this.refusal) throw this.refusal;
  }

  /** Whether `error` is this operation's refusal. */
  refuses(error: unknown): boolean {
    return error !== undefined && error === this.refusal;
  }

  /** Counts `n` objects or items resolved; the operation's refusal when that passes the limit. */
  add(n: number): void {
    this.count += n;
    if (this.count <= this.limit) return;
    this.refusal ??= limitExceeded(
      `the operation resolved more than ${this.limit} objects and list items (MAX_RESOLVED_OBJECTS) and was ended; ask for smaller pages and shorter nested lists`,
      'MAX_RESOLVED_OBJECTS',
      this.limit,
    );
    throw this.refusal;
  }
}

/** A context that counts: the hub's (context.ts) has one per operation and per delivery. */
interface CountingContext {
  resolved?: ResolvedObjects;
}

const COUNTED = Symbol('fyh.countsResolvedObjects');

/** Wraps the resolver of every object- or list-valued field of `schema` (once) so that it counts what it resolves. */
export function countResolvedObjects(schema: GraphQLSchema): GraphQLSchema {
  if ((schema as { [COUNTED]?: boolean })[COUNTED]) return schema;
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const nullable = getNullableType(field.type);
      const list = isListType(nullable);
      if (!list && isLeafType(nullable)) continue;
      field.resolve = counting(field.resolve ?? defaultFieldResolver, list);
    }
  }
  Object.defineProperty(schema, COUNTED, { value: true });
  return schema;
}

function counting(resolve: GraphQLFieldResolver<unknown, unknown>, list: boolean): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, context, info) => {
    const budget = (context as CountingContext | undefined)?.resolved;
    if (!budget) return resolve(source, args, context, info);
    try {
      budget.check();
      const value = resolve(source, args, context, info);
      return isPromiseLike(value) ? value.then((resolved) => counted(budget, resolved, list)) : counted(budget, value, list);
    } catch (error) {
      // A refusal thrown synchronously under a non-null field ends the enclosing object at once, and graphql-js
      // then abandons the promises it made for the fields before it: their refusals would be unhandled
      // rejections, which stop Node. As a rejected promise it is collected with its siblings (the same error at
      // the same path).
      if (budget.refuses(error)) return Promise.reject(error);
      throw error;
    }
  };
}

/** Counts a resolved value: a list its items (an iterable other than an array is read once, here), an object one. */
function counted(budget: ResolvedObjects, value: unknown, list: boolean): unknown {
  if (!list) {
    if (value != null) budget.add(1);
    return value;
  }
  if (Array.isArray(value)) {
    budget.add(value.length);
    return value;
  }
  if (value == null || typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function') return value;
  const items = Array.from(value as Iterable<unknown>);
  budget.add(items.length);
  return items;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
