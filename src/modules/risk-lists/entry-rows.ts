/**
 * Checking the rows of one publication (pure, no database): each row is validated on its own, so one bad row is
 * one rejected row `{ index, uscc, field, message }`, and the good rows come back normalised (categories sorted
 * and deduplicated, amounts and dates canonical) so that equal content stages as equal values.
 */
import { Classification } from '../../access/classification';
import { parseLocalDate } from '../../calendar-date';
import { parseRegionCode } from '../../region';
import { parseUscc, usccDivision } from '../enterprises/uscc';
import type { UnitKind } from '../../access/unit-kind';
import { checkAmount, checkDetails } from './list-types';
import type { RiskListType } from '../../risk-list-type';
import { RiskCategory, RiskLevel } from '../../risk-level';

/** A row as the publisher sent it. */
export interface EntryRowInput {
  uscc: string;
  enterpriseName: string;
  regionCode?: string | null;
  riskLevel: RiskLevel;
  categories: RiskCategory[];
  amount?: string | null;
  effectiveDate?: string | null;
  remarks?: string | null;
  details?: unknown;
  classification?: Classification | null;
}

export interface WithdrawalInput {
  uscc: string;
  reason: string;
}

/** A refused row of a publication: `index` is its position in `entries` (or in `withdrawals`). */
export interface RejectedRow {
  index: number;
  uscc: string | null;
  field: string;
  message: string;
}

/** A good row, normalised, ready to stage. */
export interface EntryRow {
  index: number;
  uscc: string;
  enterpriseName: string;
  regionCode: string;
  riskLevel: RiskLevel;
  categories: RiskCategory[];
  amount: string | null;
  effectiveDate: string | null;
  remarks: string | null;
  details: Record<string, unknown>;
  classification: Classification;
  sharedUnitCodes: string[];
  sharedKinds: UnitKind[];
}

export interface RowDefaults {
  listType: RiskListType;
  classification: Classification;
  sharedUnitCodes: string[];
  sharedKinds: UnitKind[];
  /** Regions of the public enterprises the hub knows, by USCC: the default region of a row that names none. */
  knownRegions: ReadonlyMap<string, string>;
}

const NAME_MAX = 200;
const REMARKS_MAX = 2000;
const REASON_MAX = 500;

/**
 * Checks every row; rows whose USCC occurs more than once are all refused (which of them is right is unknown).
 * `unidentified` counts the refused rows whose USCC is itself invalid: which enterprise they meant is unknown.
 */
export function checkEntryRows(
  rows: readonly EntryRowInput[],
  defaults: RowDefaults,
): { good: EntryRow[]; rejected: RejectedRow[]; unidentified: number } {
  const good: EntryRow[] = [];
  const rejected: RejectedRow[] = [];
  let unidentified = 0;
  rows.forEach((row, index) => {
    const checked = checkEntryRow(row, index, defaults);
    if (!('field' in checked)) return void good.push(checked);
    rejected.push(checked);
    if (checked.uscc === null || !parseUscc(checked.uscc).ok) unidentified += 1;
  });
  // Every row with a valid USCC counts, a row refused for another field too: when one occurrence is bad, the
  // other is still not known to be the right one. The first occurrence is remembered; only a repeat builds a list.
  const first = new Map<string, number>();
  const repeats = new Map<string, number[]>();
  const note = (uscc: string, index: number) => {
    const seen = first.get(uscc);
    if (seen === undefined) return void first.set(uscc, index);
    const at = repeats.get(uscc);
    if (at) at.push(index);
    else repeats.set(uscc, [seen, index]);
  };
  for (const row of good) note(row.uscc, row.index);
  for (const row of rejected) if (row.field !== 'uscc' && row.uscc !== null) note(row.uscc, row.index);
  if (!repeats.size) return { good, rejected, unidentified };
  for (const row of good.filter((r) => repeats.has(r.uscc))) {
    rejected.push({
      index: row.index,
      uscc: row.uscc,
      field: 'uscc',
      message: `${row.uscc} appears more than once in this publication (rows ${repeats
        .get(row.uscc)!
        .sort((a, b) => a - b)
        .join(', ')})`,
    });
  }
  rejected.sort((a, b) => a.index - b.index);
  return { good: good.filter((r) => !repeats.has(r.uscc)), rejected, unidentified };
}

function checkEntryRow(row: EntryRowInput, index: number, defaults: RowDefaults): EntryRow | RejectedRow {
  const reject = (field: string, message: string, uscc: string | null = typeof row.uscc === 'string' ? row.uscc.trim() : null) => ({
    index,
    uscc,
    field,
    message,
  });
  const uscc = parseUscc(typeof row.uscc === 'string' ? row.uscc : '');
  if (!uscc.ok) return reject('uscc', `invalid USCC: ${uscc.message}`);
  const code = uscc.value;

  const enterpriseName = typeof row.enterpriseName === 'string' ? row.enterpriseName.trim() : '';
  if (!enterpriseName) return reject('enterpriseName', 'enterpriseName must not be empty', code);
  if (enterpriseName.length > NAME_MAX) return reject('enterpriseName', `enterpriseName has more than ${NAME_MAX} characters`, code);

  let regionCode: string;
  if (row.regionCode != null && row.regionCode.trim() !== '') {
    const region = parseRegionCode(row.regionCode);
    if (!region.ok) return reject('regionCode', `invalid region code: ${region.message}`, code);
    regionCode = region.value;
  } else {
    const known = defaults.knownRegions.get(code);
    const division = parseRegionCode(usccDivision(code));
    if (known) regionCode = known;
    else if (division.ok) regionCode = division.value;
    else return reject('regionCode', `regionCode is required: the USCC's division digits ${usccDivision(code)} are no region code`, code);
  }

  if (!Array.isArray(row.categories) || row.categories.length === 0) {
    return reject('categories', 'categories must name at least one risk category', code);
  }
  const categories = [...new Set(row.categories)].sort();

  const amount = checkAmount(defaults.listType, row.amount);
  if (!amount.ok) return reject(amount.field, amount.message, code);

  let effectiveDate: string | null = null;
  if (row.effectiveDate != null && row.effectiveDate !== '') {
    const date = parseLocalDate(row.effectiveDate);
    if (!date.ok) return reject('effectiveDate', `effectiveDate: ${date.message}`, code);
    effectiveDate = date.value;
  }

  const remarks = typeof row.remarks === 'string' && row.remarks.trim() ? row.remarks.trim() : null;
  if (remarks && remarks.length > REMARKS_MAX) return reject('remarks', `remarks has more than ${REMARKS_MAX} characters`, code);

  const details = checkDetails(defaults.listType, row.details);
  if (!details.ok) return reject(details.field, details.message, code);

  const classification = row.classification ?? defaults.classification;
  const restricted = classification === Classification.RESTRICTED;
  return {
    index,
    uscc: code,
    enterpriseName,
    regionCode,
    riskLevel: row.riskLevel,
    categories,
    amount: amount.value,
    effectiveDate,
    remarks,
    details: details.value,
    classification,
    sharedUnitCodes: restricted ? defaults.sharedUnitCodes : [],
    sharedKinds: restricted ? defaults.sharedKinds : [],
  };
}

/**
 * Checks DELTA withdrawals; a USCC also among the entries, or withdrawn twice, is refused. `contested` names the
 * USCCs both published and withdrawn: their entry rows are to be refused too.
 */
export function checkWithdrawals(
  withdrawals: readonly WithdrawalInput[],
  entryUsccs: ReadonlySet<string>,
): { good: { index: number; uscc: string; reason: string }[]; rejected: RejectedRow[]; contested: Set<string> } {
  const good: { index: number; uscc: string; reason: string }[] = [];
  const rejected: RejectedRow[] = [];
  const contested = new Set<string>();
  const seen = new Set<string>();
  withdrawals.forEach((withdrawal, index) => {
    const uscc = parseUscc(typeof withdrawal.uscc === 'string' ? withdrawal.uscc : '');
    const raw = typeof withdrawal.uscc === 'string' ? withdrawal.uscc.trim() : null;
    if (!uscc.ok) return void rejected.push({ index, uscc: raw, field: 'withdrawals.uscc', message: `invalid USCC: ${uscc.message}` });
    const reason = typeof withdrawal.reason === 'string' ? withdrawal.reason.trim() : '';
    if (!reason || reason.length > REASON_MAX) {
      return void rejected.push({
        index,
        uscc: uscc.value,
        field: 'withdrawals.reason',
        message: `a withdrawal needs a reason of 1 to ${REASON_MAX} characters`,
      });
    }
    if (entryUsccs.has(uscc.value)) {
      contested.add(uscc.value);
      return void rejected.push({ index, uscc: uscc.value, field: 'withdrawals.uscc', message: bothPublishedAndWithdrawn(uscc.value) });
    }
    if (seen.has(uscc.value)) {
      return void rejected.push({
        index,
        uscc: uscc.value,
        field: 'withdrawals.uscc',
        message: `${uscc.value} is withdrawn twice in this publication`,
      });
    }
    seen.add(uscc.value);
    good.push({ index, uscc: uscc.value, reason });
  });
  return { good, rejected, contested };
}

/** The message of an entry row or a withdrawal whose USCC is both published and withdrawn. */
export function bothPublishedAndWithdrawn(uscc: string): string {
  return `${uscc} is both published and withdrawn in this publication`;
}
