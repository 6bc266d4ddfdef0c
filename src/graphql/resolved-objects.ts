/**
 * MAX_RESOLVED_OBJECTS, the second line behind the cost estimate (issue 10, item 1): every object and every list item
 * one operation resolves is counted — for a subscription, one delivery — and past the limit the operation ends with
 * LIMIT_EXCEEDED instead of running on. The count is taken in one place that sees every resolved value: each field of
 * the schema whose type is an object or a list has its resolver wrapped (scalar fields are left alone: they resolve no
 * object), whatever resolves it — a resolver of ours, the default resolver reading a value that generated SQL made.
 * Once the limit is passed, every further object or list field of the operation is refused before its resolver runs,
 * with the same error, so nothing more is read.
 */
import {
  defaultFieldResolver,
  getNullableType,
  GraphQLError,
  isLeafType,
  isListType,
  isObjectType,
  responsePathAsArray,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { limitExceeded } from './errors';

/** What one operation (one delivery of a subscription) has resolved so far. */
export class ResolvedObjects {
  private count = 0;
  private refusal?: GraphQLError;

  constructor(readonly limit: number) {}

  /** Refuses when the limit was passed already (a field of the operation is not to run). */
  check(): void {
    if (this.refusal) throw this.refusal;
  }

  /** Counts `n` objects or items resolved at `info`; the operation's refusal when that passes the limit. */
  add(n: number, info: GraphQLResolveInfo): void {
    this.count += n;
    if (this.count <= this.limit) return;
    // Located once where the limit was passed: graphql-js keeps an error that has its path, so every later refusal
    // of the operation is this one object.
    this.refusal ??= new GraphQLError(`the operation resolved more than ${this.limit} objects and list items (MAX_RESOLVED_OBJECTS); ask for smaller pages and shorter nested lists`, {
      nodes: info.fieldNodes,
      path: responsePathAsArray(info.path),
      originalError: limitExceeded(`more than ${this.limit} objects and list items (MAX_RESOLVED_OBJECTS)`, 'MAX_RESOLVED_OBJECTS', this.limit),
    });
    throw this.refusal;
  }

  get resolved(): number {
    return this.count;
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
    budget.check();
    const take = (value: unknown) => {
      // A list counts its items (an iterable other than an array is read once, here); an object counts one.
      const items = list && value != null && !Array.isArray(value) && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' ? Array.from(value as Iterable<unknown>) : value;
      budget.add(list ? (Array.isArray(items) ? items.length : 0) : items == null ? 0 : 1, info);
      return items;
    };
    const value = resolve(source, args, context, info);
    return isPromiseLike(value) ? value.then(take) : take(value);
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
