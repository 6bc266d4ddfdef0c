/**
 * How long each list field of the schema can be, declared on the field itself, so that the cost estimate
 * (limits.ts) counts the real bound and never a guess (issue 10, item 1). Every field whose type is a list of objects
 * declares one of two kinds (test/unit/list-size.test.ts fails on one that declares none):
 * - {@link NestedList}: the list takes `first` (or `last`), at most MAX_NESTED_LIST and MAX_NESTED_LIST when not
 *   given; a longer list is cut at that size, and its parent has a count field that tells how long it really is;
 * - {@link BoundedList}: the list is never longer than a bound that does not depend on the data (the stage table,
 *   the values of an enum, MAX_PAGE_SIZE refused beyond, a connection's page that its own field counts).
 * Lists of scalars and enum values select nothing below them and cost nothing in the estimate; MAX_RESOLVED_OBJECTS
 * counts their items all the same. Also here: the batching that reads a page of parents' cut lists and counts in one
 * statement each ({@link sizedListLoader}, {@link groupRows}, {@link countsIn}).
 */
import DataLoader from 'dataloader';
import { Extensions } from 'type-graphql';
import { badInput, limitExceeded } from '../errors';

/** A setting a bound may name: its value is read from the hub's limits when the estimate runs. */
export type SizeSetting = 'MAX_NESTED_LIST' | 'MAX_PAGE_SIZE';

export type ListSize =
  /** Cut at the size asked for in `argument`, MAX_NESTED_LIST when not given. */
  | { argument: 'first' | 'last' }
  /** Never longer than `bound`. */
  | { bound: number | SizeSetting };

/** The name of the field extension that holds a {@link ListSize}. */
export const LIST_SIZE = 'listSize';

/** A list cut at its `first` (or `last`) argument, MAX_NESTED_LIST when not given. */
export function NestedList(argument: 'first' | 'last' = 'first'): MethodDecorator & PropertyDecorator {
  return Extensions({ [LIST_SIZE]: { argument } satisfies ListSize });
}

/** A list never longer than `bound` whatever the data (say why where it is used). */
export function BoundedList(bound: number | SizeSetting): MethodDecorator & PropertyDecorator & ClassDecorator {
  return Extensions({ [LIST_SIZE]: { bound } satisfies ListSize });
}

/** The description of a nested list's size argument. */
export const NESTED_LIST_ARGUMENT = 'At most MAX_NESTED_LIST (100 unless configured otherwise), which is also the default.';

/**
 * The length a nested list is cut at: `asked` when given (at least 1: BAD_USER_INPUT; at most MAX_NESTED_LIST:
 * LIMIT_EXCEEDED naming it), MAX_NESTED_LIST otherwise.
 */
export function nestedListLength(asked: number | null | undefined, maxNestedList: number, argument: 'first' | 'last' = 'first'): number {
  if (asked == null) return maxNestedList;
  if (asked < 1) throw badInput(`${argument} must be at least 1`, { field: argument, rule: 'min' });
  if (asked > maxNestedList) {
    throw limitExceeded(
      `${argument} is ${asked}, a nested list has at most ${maxNestedList} items (MAX_NESTED_LIST)`,
      'MAX_NESTED_LIST',
      maxNestedList,
    );
  }
  return asked;
}

/**
 * A DataLoader of lists cut at a size: each (key, size) asked in one tick is answered by one call of `load` per
 * distinct size, with every key asked at that size (one statement for a page of parents).
 */
export function sizedListLoader<K, V>(
  load: (keys: K[], size: number) => Promise<V[][]>,
  keyOf: (key: K) => string,
): DataLoader<{ key: K; size: number }, V[], string> {
  return new DataLoader(
    async (asks) => {
      const bySize = new Map<number, K[]>();
      for (const ask of asks) bySize.set(ask.size, [...(bySize.get(ask.size) ?? []), ask.key]);
      const answers = new Map<string, V[]>();
      for (const [size, keys] of bySize) {
        const lists = await load(keys, size);
        keys.forEach((key, i) => answers.set(`${keyOf(key)}:${size}`, lists[i]));
      }
      return asks.map((ask) => answers.get(`${keyOf(ask.key)}:${ask.size}`)!);
    },
    { cacheKeyFn: (ask) => `${keyOf(ask.key)}:${ask.size}` },
  );
}

/** Rows grouped by `keyOf`, in the order of `keys` (each key's rows in the order they came). */
export function groupRows<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): R[][] {
  const groups = new Map<K, R[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return keys.map((key) => groups.get(key) ?? []);
}

/** The counts of grouped rows `{ n }`, in the order of `keys` (0 for a key without a row). */
export function countsIn<K, R extends { n: number | string }>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): number[] {
  const counts = new Map(rows.map((row) => [keyOf(row), Number(row.n)]));
  return keys.map((key) => counts.get(key) ?? 0);
}
