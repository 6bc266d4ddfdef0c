/**
 * Money (金额) in yuan (元), carried exactly as a decimal string with two places (分), never as a float.
 * DOMAIN.md "The `details` of each list type": money is a decimal string in yuan (`"12345.67"`); a whole number
 * may also be given as a JSON number.
 */
import { fail, pass, type RuleResult } from '../../rule';

/** Most digits before the decimal point: up to 9,999,999,999,999,999.99 yuan (千万亿). */
export const MONEY_MAX_INTEGER_DIGITS = 16;

/** Most digits after the decimal point: 2, i.e. fen (分). */
export const MONEY_MAX_DECIMALS = 2;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses an amount in yuan into its canonical form: no sign, no leading zeros, exactly two decimals
 * (`"12345.6"` → `"12345.60"`, `"0"` → `"0.00"`, `12345` → `"12345.00"`).
 *
 * Accepts a decimal string (trimmed; at most 16 digits before the point and 2 after; no sign, exponent or
 * thousands separator) or a JSON number that is a non-negative safe integer. Rules, in the order checked:
 * `type` (neither string nor number), `negative`, `format`, `precision` (more than 2 decimals),
 * `range` (more than 16 integer digits, or a JSON number beyond the exact integers).
 */
export function parseMoney(input: unknown): RuleResult<string> {
  if (typeof input === 'number') return parseMoneyNumber(input);
  if (typeof input !== 'string') {
    return fail('type', `an amount is a decimal string in yuan such as "12345.67" (or a whole number), got ${describe(input)}`);
  }
  const text = input.trim();
  const shown = JSON.stringify(input);
  if (text.startsWith('-') && DECIMAL.test(text.slice(1))) {
    return fail('negative', `an amount cannot be negative, got ${shown}`);
  }
  const match = DECIMAL.exec(text);
  if (!match) return fail('format', `${shown} is not an amount in yuan: ${formatHint(text)}`);
  const [, integerDigits, decimals = ''] = match;
  if (decimals.length > MONEY_MAX_DECIMALS) {
    return fail('precision', `an amount has at most ${MONEY_MAX_DECIMALS} decimal places (fen, 分), ${shown} has ${decimals.length}`);
  }
  const integer = integerDigits.replace(/^0+(?=\d)/, '');
  if (integer.length > MONEY_MAX_INTEGER_DIGITS) {
    return fail('range', `an amount has at most ${MONEY_MAX_INTEGER_DIGITS} digits before the decimal point, ${shown} has ${integer.length}`);
  }
  return pass(`${integer}.${decimals.padEnd(MONEY_MAX_DECIMALS, '0')}`);
}

function parseMoneyNumber(input: number): RuleResult<string> {
  if (!Number.isFinite(input)) return fail('format', `an amount is a finite number, got ${input}`);
  if (input < 0) return fail('negative', `an amount cannot be negative, got ${input}`);
  if (!Number.isInteger(input)) {
    return fail(
      'format',
      `an amount with decimals must be given as a string such as "${input.toFixed(2)}" (a JSON number is not exact), got ${input}`,
    );
  }
  if (!Number.isSafeInteger(input)) {
    return fail('range', `the JSON number ${input} is too large to be exact; give the amount as a decimal string`);
  }
  // Number.isSafeInteger(-0) is true and `-0 < 0` is false: String(-0) is "0", so -0 becomes "0.00".
  return pass(`${String(input)}.00`);
}

function formatHint(text: string): string {
  if (text === '') return 'it is empty';
  if (text.startsWith('+')) return 'write it without a sign';
  if (/^[\d.]+[eE][+-]?\d+$/.test(text)) return 'write it without an exponent';
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(text) || /^[\d,]+(\.\d+)?$/.test(text)) return 'write it without thousands separators';
  return 'write digits with an optional decimal point and at most two decimals, such as "12345.67"';
}

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  return `a value of type ${typeof input}`;
}
