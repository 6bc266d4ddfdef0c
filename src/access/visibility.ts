/**
 * Who may see what: one rule per entity type, used by every read path.
 *
 * Enterprises: that an enterprise exists and its registry facts are public to every member unit; its personal
 * data (the legal representative's ID number, a contact phone) is masked unless the credential has
 * PERSONAL_DATA.
 *
 * Every rule here reads the same few fields of the caller — its unit's id, code and kind, the office flag, and
 * PERSONAL_DATA — and {@link visibilityKey} is built from exactly those: callers with the same key see the same.
 */
import type { Enterprise } from '../modules/enterprises/enterprise.entity';
import { Classification, type Sharing } from './classification';
import { can } from './policies';
import type { Principal } from './principal';

export interface EnterpriseView extends Omit<Enterprise, 'createdAt' | 'updatedAt'> {
  createdAt: Date;
  updatedAt: Date;
  /** True when personal data was masked for this caller. */
  personalDataMasked: boolean;
}

export function enterpriseView(principal: Principal, enterprise: Enterprise): EnterpriseView {
  const unmasked = can(principal, 'seePersonalData');
  return {
    ...enterprise,
    legalRepresentativeIdNumber: unmasked ? enterprise.legalRepresentativeIdNumber : mask(enterprise.legalRepresentativeIdNumber, 6, 4),
    contactPhone: unmasked ? enterprise.contactPhone : mask(enterprise.contactPhone, 3, 4),
    personalDataMasked: !unmasked,
  };
}

/** Keeps `head` and `tail` characters of a long enough value and stars the rest: 140802********1234. */
export function mask(value: string | null | undefined, head: number, tail: number): string | null {
  if (value === null || value === undefined) return null;
  if (value.length < head + tail + 4) return '*'.repeat(value.length);
  return value.slice(0, head) + '*'.repeat(value.length - head - tail) + value.slice(value.length - tail);
}

/**
 * Classified records (list entries, and later cases): the office sees everything; everyone else sees what is
 * SHARED, what its unit owns, and RESTRICTED records shared with its unit or its unit's kind. For anyone else a
 * RESTRICTED record does not exist: not in lists, counts, nested fields, totals or the change feed.
 */
export function canSee(principal: Principal, sharing: Sharing): boolean {
  if (principal.isOffice) return true;
  return (
    sharing.classification === Classification.SHARED ||
    sharing.ownerUnitId === principal.unit.id ||
    sharing.sharedUnitCodes.includes(principal.unit.code) ||
    sharing.sharedKinds.includes(principal.unit.kind)
  );
}

/**
 * The same rule as a SQL condition on a table with the columns `classification`, the owner column given,
 * `shared_unit_codes` and `shared_kinds` under the table alias `alias`; `?` placeholders, values in `params`.
 */
export function visibleSql(principal: Principal, alias: string, ownerColumn: string): { sql: string; params: unknown[] } {
  if (principal.isOffice) return { sql: 'true', params: [] };
  return {
    sql: `(${alias}.classification = 'SHARED' or ${alias}.${ownerColumn} = ? or ? = any(${alias}.shared_unit_codes) or ? = any(${alias}.shared_kinds))`,
    params: [principal.unit.id, principal.unit.code, principal.unit.kind],
  };
}

/**
 * Two callers with the same key are shown the same by every rule above (and by the read paths that use them):
 * the key under which the feed shares one result among subscribers. Built from every field of the caller those
 * rules read — its unit's id, code and kind, the office flag, PERSONAL_DATA — and nothing else (not the key,
 * not the other roles, not the region: no read path shows more or less by them). A rule that comes to read
 * another field of the caller adds it here.
 */
export function visibilityKey(principal: Principal): string {
  const { id, code, kind } = principal.unit;
  return [id, code, kind, principal.isOffice ? 'office' : '', can(principal, 'seePersonalData') ? 'personal-data' : ''].join('\u0000');
}
