/**
 * Checks shared by every service's input: free text and the outcome of a pure rule, each refused with
 * BAD_USER_INPUT naming the field and the rule.
 */
import { badInput } from './errors';
import type { RuleResult } from './rule';

/** Trimmed non-empty text of at most `max` characters. */
export function requiredText(value: string | null | undefined, field: string, max = 200): string {
  const text = value?.trim() ?? '';
  if (!text) throw badInput(`${field} must not be empty`, { field, rule: 'required' });
  if (text.length > max) throw badInput(`${field} has ${text.length} characters, at most ${max} are allowed`, { field, rule: 'length' });
  return text;
}

/** Like {@link requiredText}, but null or blank clears the value (null) and undefined leaves it (undefined). */
export function optionalText(value: string | null | undefined, field: string, max = 200): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || !value.trim()) return null;
  return requiredText(value, field, max);
}

/** The value of a passed rule, or BAD_USER_INPUT naming the field and the failed rule. */
export function ruleValue<T>(result: RuleResult<T>, field: string): T {
  if (!result.ok) throw badInput(`${field}: ${result.message}`, { field, rule: result.rule });
  return result.value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` is a UUID: an id that is not one names nothing (NOT_FOUND), never a database error. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
