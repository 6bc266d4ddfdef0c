/**
 * The answer of a pure domain rule (USCC, region code, later case numbers and list fields): the normalised
 * value, or which rule failed and a message a person can act on. Services that validate rows of a batch call
 * rules directly and collect failures; GraphQL scalars turn a failure into BAD_USER_INPUT.
 */
export type RuleResult<T> = { ok: true; value: T } | { ok: false; rule: string; message: string };

export function pass<T>(value: T): RuleResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(rule: string, message: string): RuleResult<T> {
  return { ok: false, rule, message };
}
