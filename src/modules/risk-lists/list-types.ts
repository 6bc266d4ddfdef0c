/**
 * The list types of risky-enterprise lists (风险企业名单) and the published payload contract of each: whether
 * the top-level `amount` applies and which keys its `details` object has. See DOMAIN.md "Risky-enterprise
 * lists" and "The `details` of each list type".
 */
import { parseCaseNumber } from '../cases/case-number';
import { parseLocalDate } from '../../calendar-date';
import { parseUscc } from '../enterprises/uscc';
import type { RuleResult } from '../../rule';
import { UnitKind } from '../../access/unit-kind';
import { parseMoney } from './money';
import { RiskListType } from '../../risk-list-type';

/**
 * The kind of value a `details` key holds:
 * `string` trimmed non-empty text of at most 500 characters; `date` `YYYY-MM-DD`; `money` yuan as a decimal
 * string (or a whole JSON number); `number` a non-negative finite JSON number; `positiveInteger` a JSON integer
 * ≥ 1; `stringList` a non-empty list of strings; `usccList` a non-empty list of USCCs; `caseNumber` a case
 * number (案号) of any type code; `enum` one of `values`.
 */
export type DetailKind = 'string' | 'date' | 'money' | 'number' | 'positiveInteger' | 'stringList' | 'usccList' | 'caseNumber' | 'enum';

/** One key of a list type's `details`: whether it is required, its kind, and for `enum` the allowed values. */
export type DetailField = { required: boolean; kind: DetailKind; values?: string[] };

/**
 * The rule of one list type: its Chinese name, the unit kinds that usually publish it, whether the top-level
 * `amount` is required, optional or absent (and what it means), and the keys of `details` in declaration order.
 */
export type ListTypeRule = {
  chinese: string;
  usualPublishers: UnitKind[];
  amount: 'required' | 'optional' | 'none';
  amountMeaning: string | null;
  details: Record<string, DetailField>;
};

/** Most characters of a `string` detail. */
export const DETAIL_STRING_MAX = 500;

const required = (kind: DetailKind, values?: string[]): DetailField => (values ? { required: true, kind, values } : { required: true, kind });
const optional = (kind: DetailKind, values?: string[]): DetailField => (values ? { required: false, kind, values } : { required: false, kind });

/** Every list type's rule: the payload contract of DOMAIN.md "The `details` of each list type". */
export const LIST_TYPES: Record<RiskListType, ListTypeRule> = {
  [RiskListType.LICENSE_REVOKED]: {
    chinese: '吊销企业名单',
    usualPublishers: [UnitKind.MARKET_REGULATION],
    amount: 'none',
    amountMeaning: null,
    details: { revokedOn: required('date'), decisionNumber: required('string'), authority: optional('string') },
  },
  [RiskListType.ABNORMAL_OPERATION]: {
    chinese: '经营异常名录',
    usualPublishers: [UnitKind.MARKET_REGULATION],
    amount: 'none',
    amountMeaning: null,
    details: {
      // 未报年报 / 未公示 / 虚假公示 / 通过登记的住所或经营场所无法联系
      reason: required('enum', ['NO_ANNUAL_REPORT', 'NO_DISCLOSURE', 'FALSE_DISCLOSURE', 'UNREACHABLE']),
      listedOn: required('date'),
      authority: optional('string'),
    },
  },
  [RiskListType.SERIOUS_VIOLATION]: {
    chinese: '严重违法失信名单',
    usualPublishers: [UnitKind.MARKET_REGULATION],
    amount: 'none',
    amountMeaning: null,
    details: { reason: required('string'), decidedOn: required('date'), authority: optional('string') },
  },
  [RiskListType.TAX_ARREARS]: {
    chinese: '欠税企业名单',
    usualPublishers: [UnitKind.TAX],
    amount: 'required',
    amountMeaning: 'outstanding balance (欠税余额)',
    details: { taxTypes: required('stringList'), newArrears: optional('money') },
  },
  [RiskListType.MAJOR_TAX_VIOLATION]: {
    chinese: '重大税收违法失信主体',
    usualPublishers: [UnitKind.TAX],
    amount: 'optional',
    amountMeaning: 'amount involved (涉案金额)',
    details: { violationType: required('string'), decidedOn: optional('date') },
  },
  [RiskListType.CAPACITY_ELIMINATION]: {
    chinese: '产能淘汰企业名单',
    usualPublishers: [UnitKind.INDUSTRY],
    amount: 'none',
    amountMeaning: null,
    details: { industry: required('string'), capacityRetired: optional('string'), deadline: optional('date') },
  },
  [RiskListType.PRODUCTION_HALTED]: {
    chinese: '停产企业名单及闲置要素资源',
    usualPublishers: [UnitKind.INDUSTRY],
    amount: 'none',
    amountMeaning: null,
    details: {
      haltedSince: required('date'),
      idleLandM2: optional('number'), // 闲置土地 (m²)
      idleBuildingsM2: optional('number'), // 闲置厂房 (m²)
      idleEquipment: optional('string'), // 闲置设备
    },
  },
  [RiskListType.DISTRESSED]: {
    chinese: '困境企业名单及运营价值',
    usualPublishers: [UnitKind.INDUSTRY, UnitKind.FINANCIAL_REGULATOR],
    amount: 'none',
    amountMeaning: null,
    details: { operatingValue: required('enum', ['HIGH', 'MEDIUM', 'LOW', 'NONE']), rescuePlan: optional('string') },
  },
  [RiskListType.MUTUAL_GUARANTEE_RISK]: {
    chinese: '互联互保风险企业名单及处置意愿',
    usualPublishers: [UnitKind.FINANCIAL_REGULATOR, UnitKind.PBOC],
    amount: 'required',
    amountMeaning: 'exposure (担保敞口)',
    details: {
      chainMembers: required('usccList'), // 担保链成员
      disposalWillingness: optional('enum', ['WILLING', 'UNDECIDED', 'UNWILLING']), // 处置意愿
    },
  },
  [RiskListType.ZOMBIE]: {
    chinese: '僵尸企业',
    usualPublishers: [UnitKind.INDUSTRY],
    amount: 'none',
    amountMeaning: null,
    details: { basis: required('string'), since: optional('date') },
  },
  [RiskListType.DISHONEST_JUDGMENT_DEBTOR]: {
    chinese: '失信被执行人',
    usualPublishers: [UnitKind.COURT],
    amount: 'optional',
    amountMeaning: 'amount still owed (未履行金额)',
    details: {
      enforcementCaseNumber: required('caseNumber'), // 执行案号
      obligation: required('string'), // 生效法律文书确定的义务
      performance: required('enum', ['NONE', 'PARTIAL']), // 履行情况: 全部未履行 / 部分未履行
      filedOn: optional('date'), // 立案日期
    },
  },
  [RiskListType.WAGE_ARREARS]: {
    chinese: '欠薪 / 社保欠费',
    usualPublishers: [UnitKind.HUMAN_RESOURCES],
    amount: 'required',
    amountMeaning: 'wages and contributions owed (欠薪及社保欠费)',
    details: { employeesAffected: required('positiveInteger'), monthsOwed: optional('positiveInteger') },
  },
  [RiskListType.LOAN_OVERDUE]: {
    chinese: '贷款逾期',
    usualPublishers: [UnitKind.PBOC, UnitKind.FINANCIAL_REGULATOR],
    amount: 'required',
    amountMeaning: 'overdue principal (逾期本金)',
    details: { lenders: required('stringList'), daysOverdue: required('positiveInteger') },
  },
};

/** The failure of {@link checkAmount} or {@link checkDetails}: the field, the rule broken and a message. */
export type ListFieldFailure<F extends string = string> = { ok: false; field: F; rule: string; message: string };

function label(listType: RiskListType): string {
  return `${listType} (${LIST_TYPES[listType].chinese})`;
}

/**
 * Checks the top-level `amount` of an entry against its list type: missing when required fails (rule
 * `required`), given when the list type has none fails (rule `none`), otherwise the amount is parsed with
 * {@link parseMoney} (its rule is reported). Returns the canonical amount, or null when there is none.
 */
export function checkAmount(
  listType: RiskListType,
  amount: string | null | undefined,
): { ok: true; value: string | null } | ListFieldFailure<'amount'> {
  const rule = LIST_TYPES[listType];
  const absent = amount === null || amount === undefined;
  if (rule.amount === 'none') {
    if (absent) return { ok: true, value: null };
    return { ok: false, field: 'amount', rule: 'none', message: `${label(listType)} has no amount; leave amount empty` };
  }
  if (absent) {
    if (rule.amount === 'optional') return { ok: true, value: null };
    return { ok: false, field: 'amount', rule: 'required', message: `amount is required for ${label(listType)}: the ${rule.amountMeaning} in yuan` };
  }
  const parsed = parseMoney(amount);
  if (!parsed.ok) return { ok: false, field: 'amount', rule: parsed.rule, message: `amount (${rule.amountMeaning}): ${parsed.message}` };
  return { ok: true, value: parsed.value };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** What a kind of value is, in words, for messages. */
function expected(field: DetailField): string {
  switch (field.kind) {
    case 'string':
      return `a non-empty string of at most ${DETAIL_STRING_MAX} characters`;
    case 'date':
      return 'a date YYYY-MM-DD';
    case 'money':
      return 'an amount in yuan as a decimal string such as "12345.67" (or a whole number)';
    case 'number':
      return 'a non-negative number';
    case 'positiveInteger':
      return 'a whole number of at least 1';
    case 'stringList':
      return `a non-empty list of non-empty strings (each at most ${DETAIL_STRING_MAX} characters)`;
    case 'usccList':
      return 'a non-empty list of unified social credit codes (统一社会信用代码)';
    case 'caseNumber':
      return 'a case number (案号) such as （2024）晋0802执123号';
    case 'enum':
      return `one of ${(field.values ?? []).join(', ')}`;
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function checkString(value: unknown): RuleResult<string> {
  if (typeof value !== 'string') return { ok: false, rule: 'type', message: `got ${show(value)}` };
  const text = value.trim();
  if (text === '') return { ok: false, rule: 'required', message: 'got an empty string' };
  const length = [...text].length;
  if (length > DETAIL_STRING_MAX) return { ok: false, rule: 'length', message: `got ${length} characters` };
  return { ok: true, value: text };
}

function checkList<T>(value: unknown, element: (item: unknown) => RuleResult<T>): RuleResult<T[]> {
  if (!Array.isArray(value)) return { ok: false, rule: 'type', message: `got ${show(value)}` };
  if (value.length === 0) return { ok: false, rule: 'required', message: 'got an empty list' };
  const out: T[] = [];
  for (let i = 0; i < value.length; i++) {
    const checked = element(value[i]);
    if (!checked.ok) return { ok: false, rule: checked.rule, message: `element ${i + 1} (${show(value[i])}): ${checked.message}` };
    out.push(checked.value);
  }
  return { ok: true, value: out };
}

function checkValue(field: DetailField, value: unknown): RuleResult<unknown> {
  switch (field.kind) {
    case 'string':
      return checkString(value);
    case 'date':
      return parseLocalDate(value);
    case 'money':
      return parseMoney(value);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, rule: 'type', message: `got ${show(value)}` };
      if (value < 0) return { ok: false, rule: 'negative', message: `got ${value}` };
      return { ok: true, value: value === 0 ? 0 : value }; // -0 becomes 0
    case 'positiveInteger':
      if (typeof value !== 'number' || !Number.isInteger(value)) return { ok: false, rule: 'type', message: `got ${show(value)}` };
      if (value < 1) return { ok: false, rule: 'range', message: `got ${value}` };
      if (!Number.isSafeInteger(value)) return { ok: false, rule: 'range', message: `${value} is too large` };
      return { ok: true, value };
    case 'stringList':
      return checkList(value, checkString);
    case 'usccList':
      return checkList(value, (item) => (typeof item === 'string' ? parseUscc(item) : { ok: false, rule: 'type', message: `got ${show(item)}` }));
    case 'caseNumber': {
      const parsed = parseCaseNumber(value);
      return parsed.ok ? { ok: true, value: parsed.value.canonical } : parsed;
    }
    case 'enum': {
      if (typeof value !== 'string') return { ok: false, rule: 'type', message: `got ${show(value)}` };
      const text = value.trim();
      if (!(field.values ?? []).includes(text)) return { ok: false, rule: 'enum', message: `got ${show(value)}` };
      return { ok: true, value: text };
    }
  }
}

/**
 * Checks and normalises the `details` of an entry against its list type. Absent or null details count as `{}`.
 * Fails with field `details` when they are not a plain object, and otherwise with field `details.<key>` on
 * the first of: an unknown key (rule `unknown`), then, in the schema's declaration order, a missing required
 * key (rule `required`) or a value of the wrong kind (the rule of the check that failed, e.g. `type`, `date`,
 * `format`). The value has money as canonical strings, dates as strings, USCCs and case numbers canonical,
 * strings trimmed, and no absent optional keys (an explicit null counts as absent).
 */
export function checkDetails(listType: RiskListType, details: unknown): { ok: true; value: Record<string, unknown> } | ListFieldFailure {
  const rule = LIST_TYPES[listType];
  const schema = rule.details;
  const keys = Object.keys(schema);
  const given = details === undefined || details === null ? {} : details;
  if (!isPlainObject(given)) {
    return {
      ok: false,
      field: 'details',
      rule: 'type',
      message: `details of ${label(listType)} must be an object with the keys ${keys.join(', ')}, got ${show(given)}`,
    };
  }
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(schema, key)) {
      return {
        ok: false,
        field: `details.${key}`,
        rule: 'unknown',
        message: `details of ${label(listType)} have no key "${key}"; the keys are ${keys.join(', ')}`,
      };
    }
  }
  const value: Record<string, unknown> = {};
  for (const key of keys) {
    const field = schema[key];
    const raw = Object.hasOwn(given, key) ? given[key] : undefined;
    if (raw === undefined || raw === null) {
      if (field.required) {
        return {
          ok: false,
          field: `details.${key}`,
          rule: 'required',
          message: `details.${key} is required for ${label(listType)}: ${expected(field)}`,
        };
      }
      continue;
    }
    const checked = checkValue(field, raw);
    if (!checked.ok) {
      return {
        ok: false,
        field: `details.${key}`,
        rule: checked.rule,
        message: `details.${key} must be ${expected(field)}: ${checked.message}`,
      };
    }
    value[key] = checked.value;
  }
  return { ok: true, value };
}
