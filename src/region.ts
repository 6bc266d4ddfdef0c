/**
 * Administrative division codes (行政区划代码, GB/T 2260): six digits, province (2), prefecture (2), county (2).
 * A region code names one division; a region prefix (2, 4 or 6 digits) selects every division under it, and a
 * 6-digit code ending in 00 or 0000 means the same as its shorter prefix. See DOMAIN.md "Administrative divisions".
 */
import { fail, pass, type RuleResult } from './rule';

/** Province-level codes of GB/T 2260 (incl. Taiwan 71, Hong Kong 81, Macao 82). */
const PROVINCES = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
]);

function checkDigits(code: string, lengths: number[]): RuleResult<string> {
  if (!lengths.includes(code.length)) {
    const expected = lengths.length === 1 ? `${lengths[0]} digits` : `${lengths.join(', ').replace(/, (\d+)$/, ' or $1')} digits`;
    return fail('length', `a region code has ${expected}, "${code}" has ${code.length} characters`);
  }
  if (!/^\d+$/.test(code)) return fail('character', `a region code has only digits, got "${code}"`);
  if (!PROVINCES.has(code.slice(0, 2))) {
    return fail('province', `"${code.slice(0, 2)}" is not a province-level division code of GB/T 2260`);
  }
  if (code.length === 6 && code.slice(2, 4) === '00' && code.slice(4) !== '00') {
    return fail('division', `"${code}" names a county under prefecture 00, which does not exist`);
  }
  return pass(code);
}

/** A six-digit division code, e.g. 140800 (运城市) or 140802 (盐湖区). Rules: length, character, province, division. */
export function parseRegionCode(input: string): RuleResult<string> {
  return checkDigits(input.trim(), [6]);
}

/**
 * A region filter of 2, 4 or 6 digits, normalised to its shortest form: `140800` → `1408`, `140000` → `14`.
 * Every code under the prefix matches it.
 */
export function parseRegionPrefix(input: string): RuleResult<string> {
  const checked = checkDigits(input.trim(), [2, 4, 6]);
  if (!checked.ok) return checked;
  return pass(shortestPrefix(checked.value));
}

function shortestPrefix(code: string): string {
  let prefix = code;
  while (prefix.length > 2 && prefix.endsWith('00')) prefix = prefix.slice(0, -2);
  return prefix;
}
