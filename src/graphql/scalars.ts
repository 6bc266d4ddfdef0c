/**
 * Domain scalars. Each wraps a pure rule so that a bad value is refused with BAD_USER_INPUT naming the rule
 * (the value's own rules stay callable by services that validate rows of a batch).
 */
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import type { RuleResult } from '../rule';
import { parseUscc } from '../modules/enterprises/uscc';
import { parseRegionCode } from '../region';
import { parseLocalDate } from '../calendar-date';
import { parseMoney } from '../modules/risk-lists/money';
import { parseCaseNumber } from '../modules/cases/case-number';
import { pass } from '../rule';
import { InvalidValueError } from '../errors';

function ruleScalar(name: string, description: string, rule: (input: string) => RuleResult<string>) {
  const parse = (value: unknown): string => {
    if (typeof value !== 'string') throw new InvalidValueError(`${name} must be a string`, 'type');
    const result = rule(value);
    if (!result.ok) throw new InvalidValueError(`invalid ${name}: ${result.message}`, result.rule);
    return result.value;
  };
  return new GraphQLScalarType<string, string>({
    name,
    description,
    serialize: (value) => value as string,
    parseValue: parse,
    parseLiteral: (ast: ValueNode) => {
      if (ast.kind !== Kind.STRING) throw new InvalidValueError(`${name} must be a string`, 'type');
      return parse(ast.value);
    },
  });
}

export const UsccScalar = ruleScalar(
  'USCC',
  'Unified Social Credit Code (统一社会信用代码, GB 32100-2015): 18 characters with a check character; trimmed and upper-cased.',
  parseUscc,
);

export const RegionCodeScalar = ruleScalar(
  'RegionCode',
  'Administrative division code (行政区划代码, GB/T 2260): six digits, province, prefecture, county.',
  parseRegionCode,
);

export const DecimalScalar = ruleScalar(
  'Decimal',
  'An amount in yuan as an exact decimal string with two decimals, e.g. "12345.60"; never a float.',
  parseMoney,
);

export const LocalDateScalar = ruleScalar('LocalDate', 'A calendar date YYYY-MM-DD, without time or zone.', parseLocalDate);

export const CaseNumberScalar = ruleScalar(
  'CaseNumber',
  'A case number (案号) such as "（2023）晋08破1号": full-width or half-width brackets, stored and returned with full-width ones.',
  (input) => {
    const parsed = parseCaseNumber(input);
    return parsed.ok ? pass(parsed.value.canonical) : parsed;
  },
);

export { GraphQLJSON as JSONScalar } from 'graphql-scalars';
