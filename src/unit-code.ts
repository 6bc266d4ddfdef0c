/** A member unit's code: 2 to 32 upper-case letters, digits and hyphens, e.g. YC-TAX. */
import { fail, pass, type RuleResult } from './rule';

export function parseUnitCode(input: string): RuleResult<string> {
  const code = input.trim().toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9-]{1,31}$/.test(code)) {
    return fail('format', `a unit code has 2 to 32 letters, digits or hyphens and starts with a letter or digit, got "${input}"`);
  }
  return pass(code);
}
