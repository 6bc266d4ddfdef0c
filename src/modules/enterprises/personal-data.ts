/**
 * Personal data of an enterprise's legal representative: the ID number and a contact phone. A mainland
 * resident ID (居民身份证号码, GB 11643-1999) is checked with its check character; other identity documents
 * (passports, permits) are accepted as 6 to 20 letters and digits.
 */
import { fail, pass, type RuleResult } from '../../rule';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

export function parseIdNumber(input: string): RuleResult<string> {
  const value = input.trim().toUpperCase();
  if (/^\d{17}[\dX]$/.test(value)) {
    const sum = ID_WEIGHTS.reduce((total, weight, i) => total + weight * Number(value[i]), 0);
    const expected = ID_CHECK[sum % 11];
    if (value[17] !== expected) {
      return fail('check', `the check character of this resident ID is "${value[17]}", the first 17 digits give "${expected}"`);
    }
    return pass(value);
  }
  if (/^[A-Z0-9]{6,20}$/.test(value)) return pass(value);
  return fail('format', 'an ID number is an 18-character resident ID or 6 to 20 letters and digits of another document');
}

export function parsePhone(input: string): RuleResult<string> {
  const value = input.trim();
  if (!/^\+?\d[\d -]{4,19}$/.test(value)) {
    return fail('format', 'a phone number has 5 to 20 digits, spaces or hyphens, optionally after a +');
  }
  return pass(value);
}
