/**
 * The Unified Social Credit Code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-symbol set, the
 * registering authority's division code at positions 3–8 and a check character at position 18.
 * See DOMAIN.md "Enterprises" for the rules and the test vectors.
 */
import { fail, pass, type RuleResult } from '../../rule';

/** The 31 symbols valued 0–30 in order; I, O, S, V and Z are not among them. */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Weights of positions 1–17: 3^(i-1) mod 31. */
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character of the first 17 characters (which must be in {@link USCC_CHARSET}). */
export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARSET.indexOf(first17[i]) * WEIGHTS[i];
  // The outer mod 31 matters: a sum that is a multiple of 31 gives check character 0, not an index of 31.
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

/**
 * Validates a USCC after trimming and upper-casing it. Rules, in the order they are checked:
 * `length` (18 characters), `character` (every one in the charset), `division` (positions 3–8 are digits),
 * `check` (position 18 is the check character of the first 17).
 */
export function parseUscc(input: string): RuleResult<string> {
  const code = input.trim().toUpperCase();
  if (code.length !== 18) {
    return fail('length', `a USCC has 18 characters, this one has ${code.length}`);
  }
  for (let i = 0; i < 18; i++) {
    if (!USCC_CHARSET.includes(code[i])) {
      return fail(
        'character',
        `character "${code[i]}" at position ${i + 1} is not in the USCC character set (digits and letters except I, O, S, V, Z)`,
      );
    }
  }
  const division = code.slice(2, 8);
  if (!/^\d{6}$/.test(division)) {
    return fail('division', `positions 3–8 are the administrative division code and must be digits, got "${division}"`);
  }
  const expected = usccCheckCharacter(code.slice(0, 17));
  if (code[17] !== expected) {
    return fail('check', `check character "${code[17]}" is wrong: the first 17 characters give "${expected}"`);
  }
  return pass(code);
}

/** The registering authority's division code (positions 3–8) of a valid USCC. */
export function usccDivision(uscc: string): string {
  return uscc.slice(2, 8);
}
