/**
 * List entries: the hub's busiest read path (filtered, ordered, paged, only what the caller may see) and the
 * withdrawal of single entries with a reason.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, itemRules } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { visibleSql } from '../../access/visibility';
import { isoTime, pgArray, queryPrepared } from '../../db/sql';
import { appendAudit } from '../../audit/audit.service';
import { ChangeLogWriter } from '../../change-log/change-log';
import { badInput, conflict, forbidden, notFound } from '../../errors';
import { cursorRefused, toPage, type Page, type PageRequest } from '../../db/keyset';
import { countsIn, groupRows } from '../../graphql/list-size';
import { isUuid, requiredText } from '../../input';
import { countRiskEntries, riskEntryAnyBeforeSql, riskEntryPageSql, type RiskEntryFilter, type RiskEntryOrder } from './risk-entry.queries';
import { entryVersionKey, RISK_ENTRY_COLUMNS, riskEntryChangesSql, riskEntryRow, type RiskEntryRow } from './risk-entry.sql';

export interface RiskEntryVersionRow {
  version: number;
  enterpriseName: string;
  regionCode: string;
  riskLevel: number;
  categories: string[];
  amount: string | null;
  effectiveDate: string | null;
  remarks: string | null;
  details: Record<string, unknown>;
  classification: string;
  period: string | null;
  publishedAt: Date;
  supersededAt: Date | null;
}

export class RiskEntryService {
  constructor(private readonly em: EntityManager) {}

  async list(principal: Principal, filter: RiskEntryFilter, order: RiskEntryOrder, page: PageRequest): Promise<Page<RiskEntryRow>> {
    authorize(principal, 'readRiskLists');
    const select = riskEntryPageSql(principal, filter, order, page, RISK_ENTRY_COLUMNS);
    const raw = await queryPrepared(this.em, select.sql, select.params).catch(cursorRefused(page));
    const rows = raw.map((row) => ({ ...riskEntryRow(row), sortKey: row.sortKey as string }));
    return toPage(
      rows,
      page,
      (row) => [row.sortKey, row.id],
      () => countRiskEntries(this.em, principal, filter),
      async (key) => {
        const before = riskEntryAnyBeforeSql(principal, filter, order, key);
        return (await queryPrepared<{ found: boolean }>(this.em, before.sql, before.params))[0].found;
      },
    );
  }

  /**
   * Active entries the caller may see of each enterprise, newest first, at most `first` each (for
   * Enterprise.riskEntries and Case.debtorRiskEntries).
   */
  async activeByUscc(principal: Principal, usccs: readonly string[], first: number): Promise<RiskEntryRow[][]> {
    const visible = visibleSql(principal, 'r', 'publisher_unit_id');
    const rows = (
      await this.em.execute<Record<string, unknown>[]>(
        `select ${RISK_ENTRY_COLUMNS} from risk_entry r join (
           select r.id, row_number() over (partition by r.uscc order by r.published_at desc, r.id desc) as recent
           from risk_entry r where r.uscc = any(?::text[]) and r.status = 'ACTIVE' and ${visible.sql}
         ) ranked on ranked.id = r.id
         where ranked.recent <= ? order by r.published_at desc, r.id desc`,
        [pgArray(usccs), ...visible.params, first],
      )
    ).map(riskEntryRow);
    return groupRows(usccs, rows, (row) => row.uscc);
  }

  /** How many active entries of each enterprise the caller may see (riskEntryCount, debtorRiskEntryCount; batched). */
  async activeCountByUscc(principal: Principal, usccs: readonly string[]): Promise<number[]> {
    const visible = visibleSql(principal, 'r', 'publisher_unit_id');
    const counts = await this.em.execute<{ uscc: string; n: number }[]>(
      `select r.uscc, count(*)::int as n from risk_entry r where r.uscc = any(?::text[]) and r.status = 'ACTIVE' and ${visible.sql} group by r.uscc`,
      [pgArray(usccs), ...visible.params],
    );
    return countsIn(usccs, counts, (row) => row.uscc);
  }

  /**
   * The last `last` versions of each entry up to the one given, oldest first, the given one last (for
   * RiskEntry.history; an entry from the change feed may be an older version). Earlier versions are shown only where
   * the caller may read them: each version keeps the sharing it was published with.
   */
  async historyOf(principal: Principal, entries: readonly RiskEntryRow[], last: number): Promise<RiskEntryVersionRow[][]> {
    const { versions, params } = this.earlierVersions(principal, entries);
    const raw = await this.em.execute<(RiskEntryVersionRow & { entryId: string; ofVersion: number })[]>(
      `${versions} select k.id as "entryId", k.version as "ofVersion", v.version, v.enterprise_name as "enterpriseName", v.region_code as "regionCode",
         v.risk_level as "riskLevel", v.categories, v.amount::text as amount, v.effective_date::text as "effectiveDate", v.remarks,
         v.details, v.classification, v.period, ${isoTime('v.published_at')} as "publishedAt",
         ${isoTime('v.superseded_at')} as "supersededAt"
       from unnest(?::uuid[], ?::int[]) as k(id, version)
       cross join lateral (select * from visible_version v where v.entry_id = k.id and v.version < k.version order by v.version desc limit ?) v
       order by v.version`,
      [...params, last - 1],
    );
    const rows = raw.map((row) => ({ ...row, publishedAt: new Date(row.publishedAt), supersededAt: new Date(row.supersededAt!) }));
    const earlier = groupRows(entries.map(entryVersionKey), rows, (row) => `${row.entryId}:${row.ofVersion}`);
    return entries.map((entry, i) => [
      ...earlier[i].map(({ entryId: _entry, ofVersion: _of, ...version }) => version),
      {
        version: entry.version,
        enterpriseName: entry.enterpriseName,
        regionCode: entry.regionCode,
        riskLevel: entry.riskLevel,
        categories: entry.categories,
        amount: entry.amount,
        effectiveDate: entry.effectiveDate,
        remarks: entry.remarks,
        details: entry.details,
        classification: entry.classification,
        period: entry.period,
        publishedAt: entry.publishedAt,
        supersededAt: null,
      },
    ]);
  }

  /** How many versions RiskEntry.history has for each entry: the earlier ones the caller may read, and the entry's own. */
  async historyCountOf(principal: Principal, entries: readonly RiskEntryRow[]): Promise<number[]> {
    const { versions, params } = this.earlierVersions(principal, entries);
    const counts = await this.em.execute<{ id: string; version: number; n: number }[]>(
      `${versions} select k.id, k.version, (select count(*) from visible_version v where v.entry_id = k.id and v.version < k.version)::int as n
       from unnest(?::uuid[], ?::int[]) as k(id, version)`,
      params,
    );
    return countsIn(entries.map(entryVersionKey), counts, (row) => `${row.id}:${row.version}`).map((earlier) => earlier + 1);
  }

  /**
   * `with visible_version`: the versions of `entries` the caller may read (with their entry's publisher), and the
   * parameters of it and of the keys `unnest(?::uuid[], ?::int[]) as k(id, version)` that follow it: the start of
   * {@link historyOf} and {@link historyCountOf}.
   */
  private earlierVersions(principal: Principal, entries: readonly RiskEntryRow[]): { versions: string; params: unknown[] } {
    const visible = visibleSql(principal, 'v', 'publisher_unit_id');
    const ids = pgArray(entries.map((entry) => entry.id));
    return {
      versions: `with visible_version as (
        select v.* from (select version_row.*, r.publisher_unit_id from risk_entry_version version_row join risk_entry r on r.id = version_row.entry_id
                         where version_row.entry_id = any(?::uuid[])) v
        where ${visible.sql})`,
      params: [ids, ...visible.params, ids, pgArray(entries.map((entry) => entry.version))],
    };
  }

  /**
   * Withdraws entries with a reason, all or none: an entry the caller may not see is NOT_FOUND, one of another
   * unit FORBIDDEN (the office may withdraw any), one already withdrawn CONFLICT.
   */
  async withdraw(principal: Principal, input: { ids: string[]; reason: string }): Promise<RiskEntryRow[]> {
    authorize(principal, 'publishRiskLists');
    const reason = requiredText(input.reason, 'reason', 500);
    const ids = [...new Set(input.ids)];
    if (!ids.length) throw badInput('ids must name at least one entry', { field: 'ids', rule: 'required' });
    const malformed = ids.filter((id) => !isUuid(id));
    if (malformed.length) throw notFound(`no list entry with id ${malformed.join(', ')}`);
    return this.em.transactional(async (em) => {
      const visible = visibleSql(principal, 'r', 'publisher_unit_id');
      const rows = (
        await em.execute<Record<string, unknown>[]>(
          `select ${RISK_ENTRY_COLUMNS} from risk_entry r where r.id = any(?::uuid[]) and ${visible.sql} for update`,
          [pgArray(ids), ...visible.params],
        )
      ).map(riskEntryRow);
      const missing = ids.filter((id) => !rows.some((row) => row.id === id));
      if (missing.length) throw notFound(`no list entry with id ${missing.join(', ')}`);
      const foreign = rows.filter((row) => !itemRules.actForUnit(principal, { id: row.publisherUnitId }));
      if (foreign.length) {
        throw forbidden(`entries ${foreign.map((row) => row.id).join(', ')} belong to another unit: only it or the office may withdraw them`);
      }
      const withdrawn = rows.filter((row) => row.status !== 'ACTIVE');
      if (withdrawn.length) throw conflict(`entries ${withdrawn.map((row) => row.id).join(', ')} are withdrawn already`);
      await em.execute(`update risk_entry set status = 'WITHDRAWN', withdrawn_at = now(), withdrawal_reason = ? where id = any(?::uuid[])`, [
        reason,
        pgArray(ids),
      ]);
      const changes = new ChangeLogWriter(em, principal);
      await changes.appendSelect(riskEntryChangesSql('r.id = any(?::uuid[])'), [pgArray(ids)]);
      await appendAudit(em, principal, {
        action: 'riskEntry.withdraw',
        entityType: 'RiskEntry',
        entityId: ids.join(','),
        detail: { ids, reason, publishers: [...new Set(rows.map((row) => row.publisherUnitId))] },
      });
      await changes.commit();
      const after = await em.execute<Record<string, unknown>[]>(
        `select ${RISK_ENTRY_COLUMNS} from risk_entry r where r.id = any(?::uuid[]) order by r.uscc`,
        [pgArray(ids)],
      );
      return after.map(riskEntryRow);
    });
  }
}
