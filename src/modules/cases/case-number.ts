/**
 * Case numbers (案号) under the Supreme People's Court's rules (in force 2016, revised 2018):
 * `（year）court-code type-code sequence 号`, e.g. `（2023）晋08破1号`, optionally followed by a suffix such as
 * `之二` for a later ruling. See DOMAIN.md "Case numbers".
 */
import { fail, pass, type RuleResult } from '../../rule';

/** A parsed case number (案号) and its parts. */
export type CaseNumber = {
  /** The stored form: full-width brackets, e.g. `（2020）陕01清申4号之二`. */
  canonical: string;
  /** 年份, e.g. 2023. */
  year: number;
  /** 法院代字: `晋` (high court), `晋08` (intermediate), `晋0802` (basic) or `最高法`. */
  court: string;
  /** 类型代字, e.g. `破`, `清申`, `执恢`. */
  typeCode: string;
  /** 案件编号 (a positive integer). */
  sequence: number;
  /** A suffix after 号 such as `之二`, or null. */
  suffix: string | null;
};

/** Province-level abbreviations of court codes (省级行政区简称), plus 军 (military courts) and 兵 (兵团). */
export const PROVINCE_COURT_CODES: readonly string[] = [
  '京',
  '津',
  '冀',
  '晋',
  '内',
  '辽',
  '吉',
  '黑',
  '沪',
  '苏',
  '浙',
  '皖',
  '闽',
  '赣',
  '鲁',
  '豫',
  '鄂',
  '湘',
  '粤',
  '桂',
  '琼',
  '渝',
  '川',
  '贵',
  '黔',
  '云',
  '滇',
  '藏',
  '陕',
  '甘',
  '青',
  '宁',
  '新',
  '军',
  '兵',
];

/** Court code of the Supreme People's Court (最高人民法院). */
export const SUPREME_COURT_CODE = '最高法';

/** Earliest year of a case number (1949, founding of the People's Republic). */
export const CASE_NUMBER_MIN_YEAR = 1949;

/** Latest year of a case number. */
export const CASE_NUMBER_MAX_YEAR = 2999;

/**
 * Type codes (类型代字) of bankruptcy and compulsory-liquidation cases, the only ones the case ledger accepts:
 * since 2016-08-01 破申 (破产申请审查), 破 (破产), 破终 (破产上诉), 破监 (破产监督), 清申 (强制清算申请审查),
 * 强清 (强制清算), 清终 (强制清算上诉), 清监 (强制清算监督); before that 民破 and 民算.
 */
export const BANKRUPTCY_TYPE_CODES = ['破申', '破', '破终', '破监', '清申', '强清', '清终', '清监', '民破', '民算'] as const;

/** One of {@link BANKRUPTCY_TYPE_CODES}. */
export type BankruptcyTypeCode = (typeof BANKRUPTCY_TYPE_CODES)[number];

const PROVINCES = new Set(PROVINCE_COURT_CODES);
const HAN = /^\p{Script=Han}+/u;
const SUFFIX = /^之[一二三四五六七八九十百]+$/u;
const EXAMPLE = 'such as （2023）晋08破1号';

/**
 * Parses a case number of any type code. The input is NFKC-normalised (so full-width and half-width brackets
 * and digits are the same) and stripped of blanks; the canonical form uses full-width brackets.
 * Rules, in the order checked: `type` (not a string), `format` (empty, the pre-2016 form `…字第…号`, no 号,
 * a bad suffix), `bracket` (no `(year)` at the start), `year` (not four digits, or out of 1949–2999),
 * `court` (not a province abbreviation alone or with 2 or 4 digits, nor 最高法), `type` (type code missing or
 * longer than four characters), `sequence` (missing, zero or with leading zeros).
 */
export function parseCaseNumber(input: unknown): RuleResult<CaseNumber> {
  if (typeof input !== 'string') {
    return fail('type', `a case number is a string ${EXAMPLE}, got ${input === null ? 'null' : `a value of type ${typeof input}`}`);
  }
  // No part of a case number contains blanks, so blanks copied from documents are dropped, not only trimmed.
  const text = input.normalize('NFKC').replace(/\s+/gu, '');
  const shown = `"${input.trim()}"`;
  if (text === '') return fail('format', `a case number must not be empty; write it ${EXAMPLE}`);
  if (/字第\d+号/u.test(text)) {
    return fail('format', `${shown} has the pre-2016 form "…字第…号"; since 2016 a case number reads ${EXAMPLE}`);
  }

  // （year）
  if (!text.startsWith('(')) {
    return fail('bracket', `${shown} must start with the year in brackets, ${EXAMPLE}`);
  }
  const close = text.indexOf(')');
  if (close < 0) return fail('bracket', `${shown} has no closing bracket after the year, ${EXAMPLE}`);
  const yearText = text.slice(1, close);
  if (!/^\d{4}$/.test(yearText)) {
    return fail('year', `the year of a case number has four digits, ${shown} has "${yearText}"`);
  }
  const year = Number(yearText);
  if (year < CASE_NUMBER_MIN_YEAR || year > CASE_NUMBER_MAX_YEAR) {
    return fail('year', `the year of a case number is from ${CASE_NUMBER_MIN_YEAR} to ${CASE_NUMBER_MAX_YEAR}, ${shown} has ${year}`);
  }
  let rest = text.slice(close + 1);

  // Court code (法院代字)
  const courtCode = readCourtCode(rest, shown);
  if (!courtCode.ok) return courtCode;
  const court = courtCode.value;
  rest = rest.slice(court.length);

  // Type code (类型代字) and sequence (案件编号)
  const han = HAN.exec(rest)?.[0] ?? '';
  const afterHan = rest.slice(han.length);
  const sequenceText = /^\d*/.exec(afterHan)![0];
  if (sequenceText === '') {
    const hao = han.indexOf('号');
    if (han === '' || hao === 0) {
      return fail('type', `${shown} has no type code (类型代字, such as 破 or 执) after the court code "${court}"`);
    }
    if (hao > 0) {
      return fail('sequence', `${shown} has no sequence number between the type code "${han.slice(0, hao)}" and 号`);
    }
    return fail('sequence', `${shown} has no sequence number after "${court}${han}"`);
  }
  const typeCode = han;
  if (typeCode === '') {
    return fail('type', `${shown} has no type code (类型代字, such as 破 or 执) between the court code "${court}" and the sequence number`);
  }
  if ([...typeCode].length > 4) {
    return fail('type', `a type code has one to four Chinese characters, ${shown} has "${typeCode}"`);
  }
  if (sequenceText.startsWith('0')) {
    return fail('sequence', `the sequence number is a positive integer without leading zeros, ${shown} has "${sequenceText}"`);
  }
  const sequence = Number(sequenceText);
  if (!Number.isSafeInteger(sequence)) {
    return fail('sequence', `the sequence number "${sequenceText}" of ${shown} is too large`);
  }
  rest = afterHan.slice(sequenceText.length);

  // 号 and an optional suffix (之二)
  if (!rest.startsWith('号')) {
    return fail('format', `a case number ends in 号 after the sequence number, ${shown} has "${rest}" instead`);
  }
  const suffixText = rest.slice(1);
  if (suffixText !== '' && !SUFFIX.test(suffixText)) {
    return fail('format', `after 号 only a suffix such as 之二 may follow, ${shown} has "${suffixText}"`);
  }
  const suffix = suffixText === '' ? null : suffixText;
  const canonical = `（${year}）${court}${typeCode}${sequence}号${suffix ?? ''}`;
  return pass({ canonical, year, court, typeCode, sequence, suffix });
}

/**
 * The court code (法院代字) at the start of `text` (NFKC-normalised, without blanks): 最高法, or a province
 * abbreviation alone (high court), with 2 digits (intermediate court) or with 4 digits (basic court). The one
 * grammar of court codes: a case number's and a court unit's ({@link parseCourtCode}). `shown` names the input.
 */
function readCourtCode(text: string, shown: string): RuleResult<string> {
  if (text.startsWith(SUPREME_COURT_CODE)) {
    const digits = /^\d*/.exec(text.slice(SUPREME_COURT_CODE.length))![0];
    if (digits) return fail('court', `the Supreme People's Court's code 最高法 takes no digits, ${shown} has "${SUPREME_COURT_CODE}${digits}"`);
    return pass(SUPREME_COURT_CODE);
  }
  const abbreviation = [...text][0] ?? '';
  if (!PROVINCES.has(abbreviation)) {
    return fail(
      'court',
      `the court code of ${shown} must start with a province abbreviation (such as 晋, 鲁, 京, or 军, 兵) or be 最高法, got "${abbreviation}"`,
    );
  }
  const digits = /^\d*/.exec(text.slice(abbreviation.length))![0];
  if (digits.length !== 0 && digits.length !== 2 && digits.length !== 4) {
    return fail(
      'court',
      `a court code is a province abbreviation alone (high court), with 2 digits (intermediate court, e.g. 晋08) or with 4 digits (basic court, e.g. 晋0802); ${shown} has "${abbreviation}${digits}"`,
    );
  }
  return pass(abbreviation + digits);
}

/**
 * A court unit's court code (法院代字) alone, e.g. `晋08`, `晋0802`, `晋`, `最高法`: NFKC-normalised (full-width
 * digits are digits) and stripped of blanks. Any failure is rule `format`.
 */
export function parseCourtCode(input: unknown): RuleResult<string> {
  if (typeof input !== 'string') return fail('format', `a court code is a string such as 晋08, got a value of type ${typeof input}`);
  const text = input.normalize('NFKC').replace(/\s+/gu, '');
  const shown = `"${input.trim()}"`;
  if (text === '') return fail('format', 'a court code must not be empty; it reads such as 晋08 (运城中院) or 晋0802');
  const court = readCourtCode(text, shown);
  if (!court.ok) return fail('format', court.message);
  if (court.value !== text) {
    return fail(
      'format',
      `a court code is 最高法 or a province abbreviation with 0, 2 or 4 digits, nothing else; ${shown} has "${text.slice(court.value.length)}" after "${court.value}"`,
    );
  }
  return court;
}

/**
 * Type codes of appeal and supervision (破终, 清终: 上诉; 破监, 清监: 监督): their numbers may carry the code of a
 * court above the court of the case (the one that hears the appeal or supervises).
 */
export const HIGHER_COURT_TYPE_CODES: readonly string[] = ['破终', '清终', '破监', '清监'];

/**
 * The courts above a court, nearest first: its code's shorter prefixes (晋0802 → 晋08, 晋; 晋08 → 晋; 晋 and
 * 最高法 → none). 最高法 is deliberately not among them: a number of the Supreme People's Court is the office's to add.
 */
export function courtsAbove(courtCode: string): string[] {
  if (courtCode === SUPREME_COURT_CODE) return [];
  const province = [...courtCode][0];
  const digits = courtCode.slice(province.length);
  return digits.length === 4 ? [province + digits.slice(0, 2), province] : digits.length === 2 ? [province] : [];
}

/**
 * Whether a court whose code is `courtCode` may put the number on the ledger (rule `caseNumberCourt`): a number
 * carrying its own code, or an appeal or supervision number ({@link HIGHER_COURT_TYPE_CODES}) carrying the code
 * of a court above it ({@link courtsAbove}). So no court can take another court's numbers.
 */
export function checkNumberOfCourt(n: CaseNumber, courtCode: string): RuleResult<CaseNumber> {
  if (n.court === courtCode) return pass(n);
  const above = courtsAbove(courtCode);
  const higher = HIGHER_COURT_TYPE_CODES.includes(n.typeCode);
  if (higher && above.includes(n.court)) return pass(n);
  const allowed = higher && above.length ? `${courtCode} or, for this appeal or supervision number, ${above.join(' or ')}` : courtCode;
  return fail(
    'caseNumberCourt',
    `${n.canonical} carries the court code ${n.court}; the court's numbers carry ${allowed} (a number of another court is the coordination office's to register or add)`,
  );
}

/** Whether the type code is a bankruptcy or compulsory-liquidation code ({@link BANKRUPTCY_TYPE_CODES}). */
export function isBankruptcyCaseNumber(n: CaseNumber): boolean {
  return (BANKRUPTCY_TYPE_CODES as readonly string[]).includes(n.typeCode);
}

/**
 * Parses a case number for the case ledger (重大、敏感案件台账): as {@link parseCaseNumber}, and also fails
 * (rule `type`) when the type code is not a bankruptcy or compulsory-liquidation code, e.g. 执 or 民初.
 */
export function parseBankruptcyCaseNumber(input: unknown): RuleResult<CaseNumber> {
  const parsed = parseCaseNumber(input);
  if (!parsed.ok || isBankruptcyCaseNumber(parsed.value)) return parsed;
  return fail(
    'type',
    `the case ledger takes bankruptcy and compulsory-liquidation case numbers (type code ${BANKRUPTCY_TYPE_CODES.join(', ')}); ${parsed.value.canonical} has type code "${parsed.value.typeCode}"`,
  );
}

/** Type codes of compulsory liquidation (强制清算): 清申, 强清, 清终, 清监 and the pre-2016 民算. */
export const COMPULSORY_LIQUIDATION_TYPE_CODES: readonly string[] = ['清申', '强清', '清终', '清监', '民算'];

/** Type codes of an application under review (申请审查): 破申, 清申. */
export const REVIEW_TYPE_CODES: readonly string[] = ['破申', '清申'];

/** Type codes of an accepted proceeding (受理后): 破, 强清. */
export const PROCEEDING_TYPE_CODES: readonly string[] = ['破', '强清'];

/**
 * Whether a ledger number fits its case: a compulsory liquidation carries only compulsory-liquidation codes and
 * every other procedure only bankruptcy codes (rule `type`); a case not accepted (APPLIED, or a
 * pre-reorganisation) has no proceeding number (破, 强清) yet, and on acceptance (`accepting`) the number given
 * is the proceeding's, not a review number (rule `stage`). Appeal and supervision numbers (破终, 破监, …) and
 * the pre-2016 民破 and 民算 fit any stage. `procedure` and `stage` are the case's after the change.
 */
export function checkNumberFitsCase(n: CaseNumber, procedure: string, stage: string, accepting = false): RuleResult<CaseNumber> {
  const compulsory = procedure === 'COMPULSORY_LIQUIDATION';
  if (compulsory !== COMPULSORY_LIQUIDATION_TYPE_CODES.includes(n.typeCode)) {
    const codes = BANKRUPTCY_TYPE_CODES.filter((code) => COMPULSORY_LIQUIDATION_TYPE_CODES.includes(code) === compulsory);
    return fail('type', `a ${procedure} case takes the type codes ${codes.join(', ')}; ${n.canonical} has "${n.typeCode}"`);
  }
  if ((stage === 'APPLIED' || procedure === 'PRE_REORGANIZATION') && PROCEEDING_TYPE_CODES.includes(n.typeCode)) {
    return fail(
      'stage',
      `a case not yet accepted (${procedure === 'PRE_REORGANIZATION' ? procedure : stage}) has no proceeding number; ${n.canonical} is one (its application-review number is 破申 or 清申)`,
    );
  }
  if (accepting && REVIEW_TYPE_CODES.includes(n.typeCode)) {
    return fail('stage', `on acceptance a case gets the proceeding's number (such as 破 or 强清), ${n.canonical} is an application-review number`);
  }
  return pass(n);
}
