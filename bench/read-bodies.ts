/**
 * The varied-arguments requests of `npm run bench:read`, made before timing: every combination of a minimum risk
 * level, a set of list types, a region prefix present in the data, an order and a page size, in a seeded random
 * order; each combination's first page, and for some of them the next pages too, following the `endCursor` the
 * hub hands out (fetched from the hub before timing, so every cursor is a real one); each page asked with each of
 * the varied selections of bench/read-queries.ts. Also the check that the hub and the baseline answer a sample of
 * the bodies alike: the same rows in the same order, field for field.
 */
import { seededRandom } from '../src/demo/random';
import {
  FIXED_OPERATION,
  requestBody,
  VARIED_OPERATIONS,
  type EntriesAnswer,
  type OrderField,
  type PageArguments,
  type RiskLevelName,
} from './read-queries';
import { gqlRaw } from './support';

const LEVELS: (RiskLevelName | null)[] = [null, 'RED', 'ORANGE', 'YELLOW', 'BLUE'];
/** The list types of the bench's data (bench/read.ts publishes both), alone and together. */
export const LIST_TYPES = ['TAX_ARREARS', 'MAJOR_TAX_VIOLATION'];
const LIST_TYPE_SETS: (string[] | null)[] = [null, [LIST_TYPES[0]], [LIST_TYPES[1]], LIST_TYPES];
/** The orders of the varied requests: BENCH_VARIED_ORDERS, e.g. `PUBLISHED_AT:DESC` for newest first only. */
export const ORDERS = (process.env.BENCH_VARIED_ORDERS ?? 'PUBLISHED_AT:DESC,PUBLISHED_AT:ASC,SEVERITY:DESC,AMOUNT:DESC').split(',').map((order) => {
  const [field, direction] = order.trim().split(':');
  if (!['PUBLISHED_AT', 'SEVERITY', 'AMOUNT'].includes(field) || !['ASC', 'DESC'].includes(direction)) {
    throw new Error(`BENCH_VARIED_ORDERS: "${order}" is not FIELD:DIRECTION of PUBLISHED_AT, SEVERITY, AMOUNT and ASC, DESC`);
  }
  return { field: field as OrderField, direction: direction as 'ASC' | 'DESC' };
});
const SIZES = [10, 20, 50, 100];
/**
 * How many pages deep the walk of a combination goes, by its place: most read the first page or two, some follow
 * endCursor further (all of them deeper when there are too few combinations for the bodies asked for).
 */
const DEPTHS = [1, 1, 2, 2, 3, 4, 6];
/** Walks at once while fetching cursors. */
const CONCURRENCY = 8;

const CURSOR_QUERY = `query EntriesCursor($filter: RiskEntryFilter, $orderBy: RiskEntryOrder, $first: Int, $after: String) {
  entries: riskEntries(filter: $filter, orderBy: $orderBy, first: $first, after: $after) { pageInfo { hasNextPage endCursor } }
}`;

export interface VariedBodies {
  /** Distinct bodies, shuffled. */
  bodies: string[];
  /** Distinct argument sets (each asked with every varied selection). */
  argumentSets: number;
  /** Argument sets with a cursor (`after`). */
  cursorPages: number;
  /** Combinations walked, of all there are. */
  combinations: number;
  allCombinations: number;
}

/** At least `target` distinct bodies (fewer only when the combinations run out), asking through the hub at `url` for cursors. */
export async function variedBodies(url: string, key: string, regionPrefixes: string[], target: number): Promise<VariedBodies> {
  const random = seededRandom(20261205);
  const combinations: PageArguments[] = [];
  for (const minRiskLevel of LEVELS)
    for (const listTypes of LIST_TYPE_SETS)
      for (const regionPrefix of [null, ...regionPrefixes])
        for (const orderBy of ORDERS)
          for (const first of SIZES) {
            const filter = { ...(minRiskLevel && { minRiskLevel }), ...(listTypes && { listTypes }), ...(regionPrefix && { regionPrefix }) };
            combinations.push({ ...(Object.keys(filter).length && { filter }), orderBy, first });
          }
  shuffle(combinations, random);
  const argumentSets: PageArguments[] = [];
  let next = 0;
  const walk = async (combination: PageArguments, depth: number) => {
    let after: string | null = null;
    for (let page = 1; page <= depth; page++) {
      const args: PageArguments = after ? { ...combination, after } : combination;
      argumentSets.push(args);
      if (page === depth) return;
      const { entries } = await gqlRaw<EntriesAnswer>(url, key, JSON.stringify({ query: CURSOR_QUERY, variables: args }));
      if (!entries.pageInfo.hasNextPage) return;
      after = entries.pageInfo.endCursor;
    }
  };
  const enough = () => argumentSets.length * VARIED_OPERATIONS.length >= target || next >= combinations.length;
  // Fewer combinations (fewer orders) are walked deeper, so that there are still enough bodies.
  const meanDepth = DEPTHS.reduce((sum, n) => sum + n, 0) / DEPTHS.length;
  const deeper = Math.max(1, Math.ceil(target / VARIED_OPERATIONS.length / (combinations.length * meanDepth * 0.8)));
  const walker = async () => {
    while (!enough()) {
      const i = next++;
      await walk(combinations[i], DEPTHS[i % DEPTHS.length] * deeper);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, walker));
  const bodies = argumentSets.flatMap((args) => VARIED_OPERATIONS.map((name) => requestBody(name, args)));
  shuffle(bodies, random);
  return {
    bodies,
    argumentSets: argumentSets.length,
    cursorPages: argumentSets.filter((args) => args.after).length,
    combinations: next,
    allCombinations: combinations.length,
  };
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/**
 * Asks the hub and the baseline each of `count` bodies spread over `bodies` (and the fixed request) and throws
 * unless both answer the same JSON; returns how many bodies and rows were compared.
 */
export async function checkSameAnswers(
  hubUrl: string,
  baselineUrl: string,
  key: string,
  bodies: string[],
  count: number,
): Promise<{ bodies: number; rows: number; emptyPages: number }> {
  const step = Math.max(1, Math.floor(bodies.length / count));
  const sample = [requestBody(FIXED_OPERATION), ...bodies.filter((_, i) => i % step === 0).slice(0, count)];
  let rows = 0;
  let emptyPages = 0;
  for (const body of sample) {
    const [fromHub, fromBaseline] = await Promise.all([gqlRaw<EntriesAnswer>(hubUrl, key, body), gqlRaw<EntriesAnswer>(baselineUrl, key, body)]);
    const hubText = JSON.stringify(fromHub);
    const baselineText = JSON.stringify(fromBaseline);
    if (hubText !== baselineText) {
      const at = [...hubText].findIndex((char, i) => char !== baselineText[i]);
      throw new Error(
        `the hub and the baseline answer ${body} differently, from character ${at}:\n  hub      …${hubText.slice(Math.max(0, at - 80), at + 120)}\n  baseline …${baselineText.slice(Math.max(0, at - 80), at + 120)}`,
      );
    }
    rows += fromHub.entries.edges.length;
    if (!fromHub.entries.edges.length) emptyPages++;
  }
  return { bodies: sample.length, rows, emptyPages };
}
