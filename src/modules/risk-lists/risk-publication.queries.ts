/**
 * The SQL of a publication (the module's queries for risk-publication.service): the locks, the staging table and the
 * set-based steps over a list (update the changed, add the new, withdraw the absent or the named). Each step is one
 * statement (staging: one per chunk and three after), run in the caller's transaction; the service decides which
 * steps run and in what order.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { executeBound, pgArray } from '../../db/sql';
import { anyRowSql, keysetConditions } from '../../db/keyset';
import { enterprisesCreatedSql, enterprisesTakenOverSql } from '../enterprises/enterprise.sql';
import type { EntryRow } from './entry-rows';

/** Rows staged per statement: well under PostgreSQL's limits, and a JSON parameter of a few MB (memory). */
const STAGE_CHUNK = 5_000;

/** One list: the publishing unit's entries of one list type. */
export interface ListKey {
  publisherId: string;
  listType: string;
}

/** What the steps writing entries stamp on them. */
export interface PublicationStamp {
  publicationId: string;
  period: string | null;
}

/** The rows a statement wrote. */
async function affected(em: EntityManager, sql: string, params: unknown[]): Promise<number> {
  const result = await em.execute<{ affectedRows?: number }>(sql, params, 'run');
  return Number(result.affectedRows ?? 0);
}

/** Waits for the transaction-scoped lock of a name (taken until commit or rollback). */
export async function lockForTransaction(em: EntityManager, name: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [name]);
}

/** The lock of one acting unit's idempotency key: two calls with one key run one after the other. */
export const idempotencyLockName = (actingUnitId: string, key: string): string => `fyh:publish:${actingUnitId}:${key}`;

/** The lock of one list: one publication of it at a time. */
export const listLockName = (list: ListKey): string => `fyh:list:${list.publisherId}:${list.listType}`;

/**
 * Stages the good rows in `risk_staging` (dropped at commit), unique by USCC, with each row's content hash, and
 * analyses it for the plans of the steps that read it.
 */
export async function stageRows(em: EntityManager, rows: readonly EntryRow[]): Promise<void> {
  await em.execute(`create temp table risk_staging (
      idx int, uscc varchar(18), enterprise_name text, region_code varchar(6), risk_level smallint, categories text[],
      amount numeric(18,2), effective_date date, remarks text, details jsonb, classification text,
      shared_unit_codes text[], shared_kinds text[], content_hash text) on commit drop`);
  for (let start = 0; start < rows.length; start += STAGE_CHUNK) {
    const chunk = rows.slice(start, start + STAGE_CHUNK).map((row) => ({
      idx: row.index,
      uscc: row.uscc,
      enterprise_name: row.enterpriseName,
      region_code: row.regionCode,
      risk_level: row.riskLevel,
      categories: row.categories,
      amount: row.amount,
      effective_date: row.effectiveDate,
      remarks: row.remarks,
      details: row.details,
      classification: row.classification,
      shared_unit_codes: row.sharedUnitCodes,
      shared_kinds: row.sharedKinds,
    }));
    // Bound, not written into the SQL text: the chunk is megabytes of JSON (see executeBound). The content hash
    // decides "unchanged": level, categories, amount, effective date, remarks, details and sharing, not the
    // period. It is taken over the values as PostgreSQL stores them (jsonb sorts keys, numerics and dates
    // print canonically), so equal content always hashes alike, whatever the order or spelling it came in.
    await executeBound(
      em,
      `insert into risk_staging
         select r.*, encode(sha256(convert_to(jsonb_build_array(r.risk_level, r.categories, r.amount, r.effective_date,
           r.remarks, r.details, r.classification, r.shared_unit_codes, r.shared_kinds)::text, 'UTF8')), 'hex')
         from jsonb_to_recordset(?::jsonb) as r(
          idx int, uscc varchar(18), enterprise_name text, region_code varchar(6), risk_level smallint, categories text[],
          amount numeric(18,2), effective_date date, remarks text, details jsonb, classification text,
          shared_unit_codes text[], shared_kinds text[])`,
      [JSON.stringify(chunk)],
    );
  }
  await em.execute('create unique index on risk_staging (uscc)');
  // Row counts and distinct values are what the plans below need, not fine histograms: a small sample.
  await em.execute('set local default_statistics_target = 10');
  await em.execute('analyze risk_staging');
}

/** Creates the enterprises the staged rows name that the hub does not know (enterprises/enterprise.sql.ts). */
export function createEnterprises(em: EntityManager, keeper: boolean): Promise<number> {
  return affected(em, enterprisesCreatedSql('risk_staging', keeper), []);
}

/** Makes known enterprises public (a SHARED row) and, for the registry's keeper, renames them. */
export function takeOverEnterprises(em: EntityManager, keeper: boolean): Promise<number> {
  return affected(em, enterprisesTakenOverSql('risk_staging', keeper), []);
}

/**
 * Updates, in one statement: the active entries whose content changed are updated, and their earlier content goes
 * to the history. The insert reads risk_entry as it was before the update (all parts of a statement share one
 * snapshot), so each history row holds the version being replaced; one join of the list instead of two. The history
 * rows record the change-log transaction `changeTxId`.
 */
export function updateChanged(em: EntityManager, list: ListKey, stamp: PublicationStamp, changeTxId: string): Promise<number> {
  return affected(
    em,
    `with changed as (
         update risk_entry r set enterprise_name = s.enterprise_name, region_code = s.region_code, risk_level = s.risk_level,
           categories = s.categories, amount = s.amount, effective_date = s.effective_date, remarks = s.remarks,
           details = s.details, classification = s.classification, shared_unit_codes = s.shared_unit_codes,
           shared_kinds = s.shared_kinds, content_hash = s.content_hash, version = r.version + 1, period = ?,
           published_at = now(), publication_id = ?
         from risk_staging s
         where r.uscc = s.uscc and r.publisher_unit_id = ? and r.list_type = ? and r.status = 'ACTIVE' and r.content_hash <> s.content_hash
         returning r.id)
       insert into risk_entry_version (entry_id, version, enterprise_name, region_code, risk_level, categories, amount,
         effective_date, remarks, details, classification, shared_unit_codes, shared_kinds, period, published_at,
         superseded_at, publication_id, change_tx_id)
       select o.id, o.version, o.enterprise_name, o.region_code, o.risk_level, o.categories, o.amount, o.effective_date,
         o.remarks, o.details, o.classification, o.shared_unit_codes, o.shared_kinds, o.period, o.published_at, now(), o.publication_id, ?
       from risk_entry o join changed c on c.id = o.id`,
    [stamp.period, stamp.publicationId, list.publisherId, list.listType, changeTxId],
  );
}

/** Adds an active entry (version 1) for every staged row without one on the list. */
export function addNew(em: EntityManager, list: ListKey, stamp: PublicationStamp): Promise<number> {
  return affected(
    em,
    `insert into risk_entry (id, publisher_unit_id, list_type, uscc, enterprise_name, region_code, risk_level, categories,
         amount, effective_date, remarks, details, classification, shared_unit_codes, shared_kinds, status, content_hash,
         version, period, first_published_at, published_at, publication_id)
       select gen_random_uuid(), ?, ?, s.uscc, s.enterprise_name, s.region_code, s.risk_level, s.categories, s.amount,
         s.effective_date, s.remarks, s.details, s.classification, s.shared_unit_codes, s.shared_kinds, 'ACTIVE',
         s.content_hash, 1, ?, now(), now(), ?
       from risk_staging s
       where not exists (select 1 from risk_entry r where r.publisher_unit_id = ? and r.list_type = ? and r.uscc = s.uscc and r.status = 'ACTIVE')`,
    [list.publisherId, list.listType, stamp.period, stamp.publicationId, list.publisherId, list.listType],
  );
}

/** How many active entries the list holds. */
export async function countActive(em: EntityManager, list: ListKey): Promise<number> {
  const [{ active }] = await em.execute<{ active: number }[]>(
    `select count(*)::int as active from risk_entry r where r.publisher_unit_id = ? and r.list_type = ? and r.status = 'ACTIVE'`,
    [list.publisherId, list.listType],
  );
  return active;
}

/**
 * Withdraws the list's active entries that are not staged, not written by this publication (added or updated just
 * now) and whose USCC is not among `keep`, giving `reason`.
 */
export function withdrawAbsent(em: EntityManager, list: ListKey, publicationId: string, reason: string, keep: readonly string[]): Promise<number> {
  return affected(
    em,
    `update risk_entry r set status = 'WITHDRAWN', withdrawn_at = now(), withdrawal_reason = ?, publication_id = ?
         where r.publisher_unit_id = ? and r.list_type = ? and r.status = 'ACTIVE'
           and r.publication_id is distinct from ? -- added or updated just now: in the SNAPSHOT by definition
           and not exists (select 1 from risk_staging s where s.uscc = r.uscc) and not (r.uscc = any(?::text[]))`,
    [reason, publicationId, list.publisherId, list.listType, publicationId, pgArray(keep)],
  );
}

/** Withdraws the named active entries, each with its reason; answers the USCCs withdrawn. */
export async function withdrawNamed(
  em: EntityManager,
  list: ListKey,
  publicationId: string,
  withdrawals: readonly { uscc: string; reason: string }[],
): Promise<string[]> {
  const done = await em.execute<{ uscc: string }[]>(
    `update risk_entry r set status = 'WITHDRAWN', withdrawn_at = now(), withdrawal_reason = w.reason, publication_id = ?
         from jsonb_to_recordset(?::jsonb) as w(uscc varchar(18), reason text)
         where r.uscc = w.uscc and r.publisher_unit_id = ? and r.list_type = ? and r.status = 'ACTIVE'
         returning r.uscc`,
    [publicationId, JSON.stringify(withdrawals.map(({ uscc, reason }) => ({ uscc, reason }))), list.publisherId, list.listType],
  );
  return done.map((row) => row.uscc);
}

/** What a list of publications is narrowed to: the units (ids) whose publications, the list types, the period. */
export interface PublicationConditions {
  /** Each: only the publications of this unit (the caller's own unless it sees every unit, the named publisher). */
  publisherUnitIds: string[];
  listTypes?: readonly string[] | null;
  period?: string | null;
}

/** A condition on `risk_publication p`, with its values. */
export interface PublicationWhere {
  where: string;
  params: unknown[];
}

/** The condition of a list of publications. */
export function publicationWhere(c: PublicationConditions): PublicationWhere {
  const conditions: string[] = [];
  const params: unknown[] = [];
  for (const unitId of c.publisherUnitIds) {
    conditions.push('p.publisher_unit_id = ?');
    params.push(unitId);
  }
  if (c.listTypes?.length) {
    conditions.push('p.list_type = any(?::text[])');
    params.push(pgArray(c.listTypes));
  }
  if (c.period) {
    conditions.push('p.period = ?');
    params.push(c.period);
  }
  return { where: conditions.length ? conditions.join(' and ') : 'true', params };
}

/** Publications are in (published_at, id) order, newest first. */
const PUBLICATION_KEYSET = keysetConditions('p.published_at, p.id', '?::timestamptz, ?::uuid', true);

/**
 * The ids of a page of publications (`limit` rows after the cursor `after`), newest first, each with its sort key
 * as text: a JS Date would cut PostgreSQL's microseconds off the cursor.
 */
export function publicationPage(
  em: EntityManager,
  { where, params }: PublicationWhere,
  after: readonly unknown[] | null | undefined,
  limit: number,
): Promise<{ id: string; sortKey: string }[]> {
  return em.execute<{ id: string; sortKey: string }[]>(
    `select p.id, p.published_at::text as "sortKey" from risk_publication p where ${where}${after ? ` and ${PUBLICATION_KEYSET.after}` : ''}
       order by p.published_at desc, p.id desc limit ?`,
    [...params, ...(after ?? []), limit],
  );
}

/** How many publications the condition selects. */
export async function countPublications(em: EntityManager, { where, params }: PublicationWhere): Promise<number> {
  const [count] = await em.execute<{ n: string }[]>(`select count(*) as n from risk_publication p where ${where}`, params);
  return Number(count.n);
}

/** Whether a publication the condition selects sorts at or before the sort key `key` (hasPreviousPage). */
export async function anyPublicationAtOrBefore(em: EntityManager, { where, params }: PublicationWhere, key: readonly unknown[]): Promise<boolean> {
  const [row] = await em.execute<{ found: boolean }[]>(anyRowSql(`risk_publication p where ${where} and ${PUBLICATION_KEYSET.atOrBefore}`), [
    ...params,
    ...key,
  ]);
  return row.found;
}
