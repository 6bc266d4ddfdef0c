/**
 * SQL of enterprises. Reads apply the enterprise visibility rule of access/visibility (one statement per page or
 * batch, whatever it holds). Writes keep the rule's facts: a row that names an enterprise creates it when unknown,
 * and a SHARED row makes it public; its name and region change only through registerEnterprise
 * (enterprise.service) and SHARED rows of a MARKET_REGULATION publisher (the registry's keeper, 登记机关). A name
 * or region given in any other row stays on that row.
 */
import { enterpriseVisibleSql, seenMentionSql, type EnterpriseRecord } from '../../access/visibility';
import type { Principal } from '../../access/principal';
import { isoTime } from '../../db/sql';

/** The enterprise's own columns (alias `e`), as the properties of an EnterpriseRecord; times as ISO text. */
const ENTERPRISE_COLUMNS = `e.uscc, e.name, e.region_code as "regionCode", e.industry, e.legal_representative as "legalRepresentative",
  e.legal_representative_id_number as "legalRepresentativeIdNumber", e.contact_phone as "contactPhone",
  ${isoTime('e.public_since')} as "publicSince", ${isoTime('e.updated_at')} as "updatedAt"`;

/** A raw row of {@link ENTERPRISE_COLUMNS}, `mention` the JSON of the first row the caller may read (not public only). */
export type EnterpriseSqlRow = Omit<EnterpriseRecord, 'publicSince' | 'updatedAt'> & {
  publicSince: string | null;
  updatedAt: string;
  mention: Record<string, unknown> | null;
};

/**
 * Each enterprise of the USCCs bound last, with what the caller may see of it: for one that is not public, the
 * first row naming it that the caller may read (null: for this caller it does not exist). One statement per batch.
 */
export function enterprisesSql(principal: Principal, where: string): { sql: string; params: unknown[] } {
  const seen = seenMentionSql(principal, 'e', 'row_to_json(m)');
  return {
    sql: `select ${ENTERPRISE_COLUMNS}, case when e.public_since is null then ${seen.sql} end as mention from enterprise e where ${where}`,
    params: seen.params,
  };
}

export interface EnterpriseFilterValues {
  /** `%fragment%`, LIKE-escaped. */
  nameLike?: string;
  /** `prefix%` */
  regionLike?: string;
  industry?: string;
}

/** The condition of `enterprises(filter)` on `enterprise e`, the caller's visibility included (lists and counts). */
export function enterpriseFilterSql(principal: Principal, filter: EnterpriseFilterValues): { where: string; params: unknown[] } {
  const visible = enterpriseVisibleSql(principal, 'e');
  const conditions = [visible.sql];
  const params = [...visible.params];
  const seenMatches = (column: 'name' | 'region_code', operator: string, value: string) => {
    // What the caller sees is matched: the registry's value of a public enterprise (its index serves that half),
    // the first readable row's of one that is not public (few: the partial index enterprise_not_public).
    const seen = seenMentionSql(principal, 'n', `m.${column}`);
    conditions.push(`e.uscc in (select p.uscc from enterprise p where p.public_since is not null and p.${column} ${operator} ?
      union all select n.uscc from enterprise n where n.public_since is null and ${seen.sql} ${operator} ?)`);
    params.push(value, ...seen.params, value);
  };
  if (filter.nameLike) seenMatches('name', 'ilike', filter.nameLike);
  if (filter.regionLike) seenMatches('region_code', 'like', filter.regionLike);
  if (filter.industry) {
    conditions.push('e.industry = ?');
    params.push(filter.industry);
  }
  return { where: conditions.join(' and '), params };
}

/**
 * Regions of the public enterprises among the USCCs bound: the default region of a row that gives none. One known
 * only from RESTRICTED rows has no region a new row may copy (it would carry a restricted row's word into it).
 */
export const PUBLIC_REGIONS_SQL = 'select uscc, region_code from enterprise where uscc = any(?::text[]) and public_since is not null';

/**
 * When a row with a name takes over the enterprise's name and region on conflict (`excluded` the row, `enterprise`
 * the stored one): a SHARED row when the enterprise is not public yet (its stored name was a RESTRICTED row's), and
 * for the registry's keeper any SHARED row that says otherwise.
 */
function takesOver(keeper: boolean): string {
  const first = 'enterprise.public_since is null and excluded.public_since is not null';
  if (!keeper) return first;
  return `(${first}) or (excluded.public_since is not null
    and (enterprise.name, enterprise.region_code) is distinct from (excluded.name, excluded.region_code))`;
}

const TAKE_OVER = `do update set name = excluded.name, region_code = excluded.region_code,
  public_since = coalesce(enterprise.public_since, excluded.public_since), updated_at = now()`;

/**
 * Creates the enterprises the rows of `source` (columns uscc, enterprise_name, region_code, classification) name
 * and the hub does not know: public when their row is SHARED. One inserted meanwhile by another transaction is
 * treated as {@link enterprisesTakenOverSql} treats a known one.
 */
export function enterprisesCreatedSql(source: string, keeper: boolean): string {
  return `insert into enterprise (uscc, name, region_code, public_since, created_at, updated_at)
    select s.uscc, s.enterprise_name, s.region_code, case when s.classification = 'SHARED' then now() end, now(), now()
    from ${source} s where not exists (select 1 from enterprise e where e.uscc = s.uscc)
    on conflict (uscc) ${TAKE_OVER} where ${takesOver(keeper)}`;
}

/**
 * Known enterprises that SHARED rows of `source` make public (the first SHARED row gives the name and region) or,
 * from the registry's keeper (`keeper`: a MARKET_REGULATION publisher), rename. Run after
 * {@link enterprisesCreatedSql}, so that an enterprise another transaction created meanwhile is covered by one of
 * the two. No other row changes an enterprise.
 */
export function enterprisesTakenOverSql(source: string, keeper: boolean): string {
  const renames = keeper ? ' or (e.name, e.region_code) is distinct from (s.enterprise_name, s.region_code)' : '';
  return `update enterprise e set name = s.enterprise_name, region_code = s.region_code,
      public_since = coalesce(e.public_since, now()), updated_at = now()
    from ${source} s
    where e.uscc = s.uscc and s.classification = 'SHARED' and (e.public_since is null${renames})`;
}

/**
 * One row (a case, never the registry's keeper) naming an enterprise: created when unknown, made public by a SHARED
 * row. Values: uscc, name, region code, classification.
 */
export const ENTERPRISE_NAMED_BY_ROW_SQL = `insert into enterprise (uscc, name, region_code, public_since, created_at, updated_at)
  values (?, ?, ?, case when ? = 'SHARED' then now() end, now(), now())
  on conflict (uscc) ${TAKE_OVER} where ${takesOver(false)}`;
