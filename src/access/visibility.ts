/**
 * Who may see what: one rule per entity type, used by every read path.
 *
 * Classified records (list entries, cases): {@link canSee} in memory, {@link visibleSql} as SQL.
 *
 * Enterprises (DESIGN.md invariant 2, DOMAIN.md "Administrative divisions"): an enterprise's existence is public
 * once the office registered it or a SHARED row (a list entry or a case) names it; the fact is the column
 * `enterprise.public_since`, set by every write path in the transaction that writes the row (registerEnterprise, a
 * publication, a case registered or made SHARED: enterprises/enterprise.sql.ts) and never unset — what every unit
 * was once shown cannot be taken back. A column rather than a look for SHARED rows at each read: nearly every
 * enterprise is public, and then a read costs nothing more than before. An enterprise known only from RESTRICTED
 * rows exists only for those who may read one of those rows: for everyone else it is unknown (null, left out of
 * lists and counts). Whoever sees it that way sees what the first row it may read says of it (name, region, that
 * row's times) and nothing else, never a name from a row it may not read. A public enterprise carries its registry
 * name: the office's, or the last SHARED market-regulation publication's, else the first SHARED row's (the write
 * paths keep that in `enterprise.name`). {@link enterpriseView} in memory, {@link enterpriseVisibleSql} and
 * {@link seenMentionSql} as SQL; a read path gets the rule inside the statement it runs anyway (a page, or the per-request
 * DataLoader's batch), the first readable row a subquery evaluated only for an enterprise that is not public, so no
 * statement is added per row. Personal data (the legal representative's ID number, a contact phone) is masked
 * unless the credential has PERSONAL_DATA.
 *
 * Every rule here reads the same few fields of the caller — its unit's id, code and kind, the office flag, and
 * PERSONAL_DATA — and {@link visibilityKey} is built from exactly those: callers with the same key see the same.
 */
import { Classification, type Sharing } from './classification';
import { can } from './policies';
import type { Principal } from './principal';

/** An enterprise as a caller sees it. */
export interface EnterpriseView {
  uscc: string;
  name: string;
  regionCode: string;
  industry: string | null;
  legalRepresentative: string | null;
  legalRepresentativeIdNumber: string | null;
  contactPhone: string | null;
  /** Since when the caller can know it: when it became public, or the time of the row it knows it from. */
  createdAt: Date;
  updatedAt: Date;
  /** True when personal data was masked for this caller. */
  personalDataMasked: boolean;
}

/** The enterprise's own row: registry facts, and since when it is public (null: only RESTRICTED rows name it). */
export interface EnterpriseRecord {
  uscc: string;
  name: string;
  regionCode: string;
  industry?: string | null;
  legalRepresentative?: string | null;
  legalRepresentativeIdNumber?: string | null;
  contactPhone?: string | null;
  publicSince?: Date | null;
  updatedAt: Date;
}

/** A row that names an enterprise (a list entry or a case), with its sharing and what it says of the enterprise. */
export interface EnterpriseMention extends Sharing {
  name: string;
  regionCode: string;
  /** When the row was first written (an entry's first publication, a case's registration). */
  at: Date;
  updatedAt: Date;
}

/** The enterprise visibility rule in memory: public, or named by a row the principal may read. */
export function canSeeEnterprise(principal: Principal, enterprise: { publicSince?: Date | null }, mentions: readonly Sharing[]): boolean {
  return principal.isOffice || enterprise.publicSince != null || mentions.some((mention) => canSee(principal, mention));
}

/**
 * The enterprise as `principal` sees it, or null when it may not know it. `mention` is the first row naming it
 * that the principal may read ({@link seenMentionSql}); it is checked here again, so a row the SQL let through by
 * mistake still shows nothing.
 */
export function enterpriseView(principal: Principal, enterprise: EnterpriseRecord, mention: EnterpriseMention | null = null): EnterpriseView | null {
  // The office sees every enterprise; one no row names (none should be) as it is stored.
  if (enterprise.publicSince != null || (!mention && principal.isOffice)) {
    const unmasked = can(principal, 'seePersonalData');
    return {
      uscc: enterprise.uscc,
      name: enterprise.name,
      regionCode: enterprise.regionCode,
      industry: enterprise.industry ?? null,
      legalRepresentative: enterprise.legalRepresentative ?? null,
      legalRepresentativeIdNumber: unmasked
        ? (enterprise.legalRepresentativeIdNumber ?? null)
        : mask(enterprise.legalRepresentativeIdNumber, ...PERSONAL_DATA_MASKS.legalRepresentativeIdNumber),
      contactPhone: unmasked ? (enterprise.contactPhone ?? null) : mask(enterprise.contactPhone, ...PERSONAL_DATA_MASKS.contactPhone),
      createdAt: enterprise.publicSince ?? enterprise.updatedAt,
      updatedAt: enterprise.updatedAt,
      personalDataMasked: !unmasked,
    };
  }
  if (!mention || !canSeeEnterprise(principal, enterprise, [mention])) return null;
  return mentionView(principal, enterprise.uscc, mention);
}

/**
 * An enterprise as one row the principal reads describes it: its name and region, that row's times, no registry
 * facts (those belong to the office's registration, which makes an enterprise public). Also what a list entry or
 * a case from the change feed shows as its enterprise when the caller may no longer know the enterprise otherwise.
 */
export function mentionView(principal: Principal, uscc: string, mention: Omit<EnterpriseMention, keyof Sharing>): EnterpriseView {
  return {
    uscc,
    name: mention.name,
    regionCode: mention.regionCode,
    industry: null,
    legalRepresentative: null,
    legalRepresentativeIdNumber: null,
    contactPhone: null,
    createdAt: mention.at,
    updatedAt: mention.updatedAt,
    personalDataMasked: !can(principal, 'seePersonalData'),
  };
}

/** The personal data of an enterprise and how much of it a caller without PERSONAL_DATA sees: [head, tail] characters. */
export const PERSONAL_DATA_MASKS = {
  legalRepresentativeIdNumber: [6, 4],
  contactPhone: [3, 4],
} as const satisfies Record<string, readonly [number, number]>;

/** Keeps `head` and `tail` characters of a long enough value and stars the rest: 140802********1234. */
export function mask(value: string | null | undefined, head: number, tail: number): string | null {
  if (value === null || value === undefined) return null;
  if (value.length < head + tail + 4) return '*'.repeat(value.length);
  return value.slice(0, head) + '*'.repeat(value.length - head - tail) + value.slice(value.length - tail);
}

/** {@link mask} as a SQL expression over the text expression `value` (the values masked are ASCII: digits, letters). */
export function maskSql(value: string, head: number, tail: number): string {
  return `(case when ${value} is null then null when length(${value}) < ${head + tail + 4} then repeat('*', length(${value}))
    else left(${value}, ${head}) || repeat('*', length(${value}) - ${head + tail}) || right(${value}, ${tail}) end)`;
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

/**
 * The rows that name the enterprise of table alias `alias` (its `uscc`): list entries of any status and cases,
 * with the columns {@link visibleSql} reads (owner: `owner_unit_id`) and what each says of the enterprise.
 */
function mentionsOf(alias: string): string {
  return `(select r.id, r.enterprise_name as name, r.region_code, r.first_published_at as at, r.published_at as updated_at,
      r.classification, r.publisher_unit_id as owner_unit_id, r.shared_unit_codes, r.shared_kinds
    from risk_entry r where r.uscc = ${alias}.uscc
    union all
    select c.id, c.debtor_name, c.region_code, c.created_at, c.updated_at, c.classification, c.court_unit_id, c.shared_unit_codes,
      c.shared_kinds
    from bankruptcy_case c where c.debtor_uscc = ${alias}.uscc)`;
}

/** The enterprise visibility rule as a SQL condition on `enterprise` aliased `alias`; `?` placeholders, values in `params`. */
export function enterpriseVisibleSql(principal: Principal, alias: string): { sql: string; params: unknown[] } {
  if (principal.isOffice) return { sql: 'true', params: [] };
  const readable = visibleSql(principal, 'm', 'owner_unit_id');
  return {
    sql: `(${alias}.public_since is not null or exists (select 1 from ${mentionsOf(alias)} m where ${readable.sql}))`,
    params: readable.params,
  };
}

/**
 * `select`, over the first row naming the enterprise `alias` that the principal may read (oldest first, then by
 * id), as one SQL value: e.g. `m.name`, or `row_to_json(m)` for an {@link EnterpriseMention} (snake_case keys, see
 * {@link mentionFromJson}); null when there is none. For an enterprise that is not public this is all a caller
 * may see of it.
 */
export function seenMentionSql(principal: Principal, alias: string, select: string): { sql: string; params: unknown[] } {
  const readable = visibleSql(principal, 'm', 'owner_unit_id');
  return { sql: `(select ${select} from ${mentionsOf(alias)} m where ${readable.sql} order by m.at, m.id limit 1)`, params: readable.params };
}

/** The name (`column` 'name') or region ('region_code') of the enterprise `alias` as the principal sees it, in SQL. */
export function seenColumnSql(principal: Principal, alias: string, column: 'name' | 'region_code'): { sql: string; params: unknown[] } {
  const seen = seenMentionSql(principal, alias, `m.${column}`);
  return { sql: `(case when ${alias}.public_since is not null then ${alias}.${column} else ${seen.sql} end)`, params: seen.params };
}

/** The mention `row_to_json(m)` of {@link seenMentionSql} made, as an {@link EnterpriseMention}. */
export function mentionFromJson(json: Record<string, any> | null | undefined): EnterpriseMention | null {
  if (!json) return null;
  return {
    name: json.name,
    regionCode: json.region_code,
    at: new Date(json.at),
    updatedAt: new Date(json.updated_at),
    classification: json.classification,
    ownerUnitId: json.owner_unit_id,
    sharedUnitCodes: json.shared_unit_codes ?? [],
    sharedKinds: json.shared_kinds ?? [],
  };
}
