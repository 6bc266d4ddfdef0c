/**
 * The digest that decides whether a retried publication is "the same payload" (idempotency): SHA-256 of the
 * input's canonical JSON (RFC 8785 key order), where an absent field and a null one are alike.
 */
import { createHash } from 'node:crypto';

/**
 * Equal to `canonicalize(withoutNulls(value))` with the `canonicalize` package, where `withoutNulls` drops
 * object fields that are null or undefined, in one pass and without copying: a 100,000-entry list is hashed
 * entry by entry. (Numbers and strings are written by JSON.stringify, as RFC 8785 and the package do.)
 */
export function canonicalJsonWithoutNulls(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJsonWithoutNulls((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined || typeof item === 'symbol' ? 'null' : canonicalJsonWithoutNulls(item))).join(',')}]`;
  const object = value as Record<string, unknown>;
  let out = '';
  for (const key of sortedKeys(object)) {
    const field = object[key];
    if (field === null || field === undefined || typeof field === 'symbol' || typeof field === 'function') continue;
    out += `${out ? ',' : ''}${quotedKey(key)}:${canonicalJsonWithoutNulls(field)}`;
  }
  return `{${out}}`;
}

/**
 * The rows of one publication share a few key sets and a few keys: their sorted order and their quoted forms are
 * kept (bounded), so that 100,000 rows do not sort and quote the same keys 100,000 times.
 */
const SORTED = new Map<string, string[]>();
const QUOTED = new Map<string, string>();
const KEPT_MAX = 1_000;

function sortedKeys(object: Record<string, unknown>): string[] {
  const keys = Object.keys(object);
  const signature = keys.join('\u0000');
  let sorted = SORTED.get(signature);
  if (!sorted) {
    sorted = keys.sort();
    if (SORTED.size < KEPT_MAX) SORTED.set(signature, sorted);
  }
  return sorted;
}

function quotedKey(key: string): string {
  let quoted = QUOTED.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (QUOTED.size < KEPT_MAX) QUOTED.set(key, quoted);
  }
  return quoted;
}

/** SHA-256 (hex) of the canonical form of a publication's input, fed to the hash one entry at a time. */
export function hashPayload(input: object): string {
  const hash = createHash('sha256');
  const fields = Object.entries(input)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'symbol' && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  hash.update('{');
  fields.forEach(([key, value], i) => {
    hash.update(`${i ? ',' : ''}${JSON.stringify(key)}:`);
    if (!Array.isArray(value)) return void hash.update(canonicalJsonWithoutNulls(value));
    hash.update('[');
    value.forEach((item: unknown, j) =>
      hash.update(`${j ? ',' : ''}${item === undefined || typeof item === 'symbol' ? 'null' : canonicalJsonWithoutNulls(item)}`),
    );
    hash.update(']');
  });
  hash.update('}');
  return hash.digest('hex');
}
