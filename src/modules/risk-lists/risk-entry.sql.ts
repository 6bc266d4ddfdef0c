/**
 * SQL of list entries shared by the read path and the change log: the columns of a {@link RiskEntryRow}, and the
 * change-log rows (with the entry as it is right after the change) of the entries a condition selects.
 */
import { isoTime } from '../../db/sql';

/** An entry as read from the database. */
export interface RiskEntryRow {
  id: string;
  publisherUnitId: string;
  listType: string;
  uscc: string;
  enterpriseName: string;
  regionCode: string;
  riskLevel: number;
  categories: string[];
  amount: string | null;
  effectiveDate: string | null;
  remarks: string | null;
  details: Record<string, unknown>;
  classification: string;
  sharedUnitCodes: string[];
  sharedKinds: string[];
  status: string;
  version: number;
  period: string | null;
  firstPublishedAt: Date;
  publishedAt: Date;
  withdrawnAt: Date | null;
  withdrawalReason: string | null;
}

/** The select list of a {@link RiskEntryRow} from `risk_entry` aliased `r`. */
export const RISK_ENTRY_COLUMNS = `r.id, r.publisher_unit_id as "publisherUnitId", r.list_type as "listType", r.uscc,
  r.enterprise_name as "enterpriseName", r.region_code as "regionCode", r.risk_level as "riskLevel", r.categories,
  r.amount::text as amount, r.effective_date::text as "effectiveDate", r.remarks, r.details, r.classification,
  r.shared_unit_codes as "sharedUnitCodes", r.shared_kinds as "sharedKinds", r.status, r.version, r.period,
  ${isoTime('r.first_published_at')} as "firstPublishedAt", ${isoTime('r.published_at')} as "publishedAt",
  ${isoTime('r.withdrawn_at')} as "withdrawnAt", r.withdrawal_reason as "withdrawalReason"`;

/** The key of an entry at its version (an entry from the change feed may be an older version than the stored one). */
export const entryVersionKey = (entry: RiskEntryRow): string => `${entry.id}:${entry.version}`;

/** A raw row selected with {@link RISK_ENTRY_COLUMNS}, its times as Dates. */
export function riskEntryRow(raw: Record<string, unknown>): RiskEntryRow {
  return {
    ...(raw as unknown as RiskEntryRow),
    firstPublishedAt: new Date(raw.firstPublishedAt as string),
    publishedAt: new Date(raw.publishedAt as string),
    withdrawnAt: raw.withdrawnAt ? new Date(raw.withdrawnAt as string) : null,
  };
}

/**
 * The change-log rows (change-log/change-log.ts CHANGE_COLUMNS and sort_key) of the entries of `risk_entry r` that
 * `where` selects, each as it is now: CREATED for a first version, UPDATED for a later one, WITHDRAWN.
 */
export function riskEntryChangesSql(where: string): string {
  return `select 'RISK_ENTRY' as topic,
      case when r.status = 'WITHDRAWN' then 'WITHDRAWN' when r.version = 1 then 'CREATED' else 'UPDATED' end as kind,
      r.id::text as entity_id, r.classification, r.publisher_unit_id as owner_unit_id, r.shared_unit_codes,
      r.shared_kinds, r.list_type, r.risk_level, r.region_code, r.uscc, null::uuid as case_id,
      json_build_object(
        'id', r.id, 'listType', r.list_type,
        'publisher', json_build_object('id', u.id, 'code', u.code, 'name', u.name, 'kind', u.kind),
        'uscc', r.uscc, 'enterpriseName', r.enterprise_name, 'regionCode', r.region_code,
        'riskLevel', r.risk_level, 'categories', r.categories, 'amount', r.amount::text,
        'effectiveDate', r.effective_date::text, 'remarks', r.remarks, 'details', r.details,
        'classification', r.classification, 'sharedUnitCodes', r.shared_unit_codes, 'sharedKinds', r.shared_kinds,
        'status', r.status, 'version', r.version, 'period', r.period, 'firstPublishedAt', r.first_published_at,
        'publishedAt', r.published_at, 'withdrawnAt', r.withdrawn_at, 'withdrawalReason', r.withdrawal_reason
      ) as payload,
      r.uscc as sort_key
    from risk_entry r join unit u on u.id = r.publisher_unit_id
    where ${where}`;
}

/** The entry a change-log payload of {@link riskEntryChangesSql} holds, as a row (for the change feed). */
export function riskEntryRowFromPayload(payload: Record<string, any>): RiskEntryRow {
  const { publisher, ...fields } = payload;
  return {
    ...(fields as unknown as RiskEntryRow),
    publisherUnitId: publisher.id,
    firstPublishedAt: new Date(payload.firstPublishedAt),
    publishedAt: new Date(payload.publishedAt),
    withdrawnAt: payload.withdrawnAt ? new Date(payload.withdrawnAt) : null,
  };
}
